import ArgumentParser
import Testing

@testable import node

/// `node join --metrics-address` (or `metrics-address` in the configuration file): checked as a
/// listen address at validation, so a typo stops the daemon before it starts, with the reason.
@Suite struct MetricsAddressOptionTests {
    @Test func aGoodAddressIsAcceptedAndNoneMeansOff() throws {
        let join = try #require(try NodeCommand.parseAsRoot(["join", "--insecure", "--metrics-address", "[::1]:9464"]) as? JoinCommand)
        #expect(try join.settings().string(.metricsAddress) == "[::1]:9464")
        let off = try #require(try NodeCommand.parseAsRoot(["join", "--insecure"]) as? JoinCommand)
        #expect(try off.settings().string(.metricsAddress) == nil)
    }

    @Test func aBadAddressIsRefusedNamingTheOptionAndTheMistake() {
        for (given, reason) in [("localhost:9464", "not an IP address"), ("10.0.0.1", "has no port"), ("::1:9464", "without brackets")] {
            do {
                _ = try NodeCommand.parseAsRoot(["join", "--insecure", "--metrics-address", given])
                Issue.record("\(given) was accepted")
            } catch {
                let message = NodeCommand.message(for: error)
                #expect(message.contains("--metrics-address") && message.contains(reason), "\(message)")
            }
        }
    }
}
