import ArgumentParser
import Coalition
import Foundation
import Testing

@testable import node

/// `node keygen` and the key options of `node join`, as a user types them.
@Suite struct KeyCommandTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("keygen-\(UUID().uuidString)").path
    }

    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func keygenWritesBase64Of32Bytes_withMode0600() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try #require(try NodeCommand.parseAsRoot(["keygen", path]) as? KeygenCommand)
        try command.run()
        #expect(try mode(path) == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n") && text.filter { $0 == "\n" }.count == 1)
        #expect(Data(base64Encoded: String(text.dropLast()))?.count == 32)
        #expect(try WireAuthenticator(keyFile: path).acceptedKeyCount == 1)
    }

    @Test func keygenRefusesToOverwrite_unlessForced() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("an existing key that boards still use\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        do {
            try (try NodeCommand.parseAsRoot(["keygen", path]) as? KeygenCommand)?.run()
            Issue.record("overwrote an existing key file")
        } catch {
            #expect("\(error)".contains("\(path): it already exists"), "\(error)")
            #expect("\(error)".contains("--force"), "\(error)")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "an existing key that boards still use\n")

        try (try NodeCommand.parseAsRoot(["keygen", path, "--force"]) as? KeygenCommand)?.run()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(Data(base64Encoded: String(text.dropLast()))?.count == 32)
        #expect(try mode(path) == 0o600, "a replaced key file is owner-only too")
    }

    @Test func keygenForceWithoutAFile_isAValidationError() {
        #expect(throws: (any Error).self) { try NodeCommand.parseAsRoot(["keygen", "--force"]) }
    }

    @Test func joinWithoutAKey_refusesSayingHowToMakeAndPassOne() {
        do {
            _ = try NodeCommand.parseAsRoot(["join", "--no-config"])
            Issue.record("node join started without a key or --insecure")
        } catch {
            let message = NodeCommand.message(for: error)
            #expect(message.contains("node keygen /etc/coalition/key"), "\(message)")
            #expect(message.contains("--key-file /etc/coalition/key"), "\(message)")
            #expect(message.contains("--insecure"), "\(message)")
            #expect(NodeCommand.exitCode(for: error) != .success)
        }
    }

    @Test func joinWithBothAKeyAndInsecure_isAValidationError() {
        do {
            _ = try NodeCommand.parseAsRoot(["join", "--no-config", "--key-file", "/etc/coalition/key", "--insecure"])
            Issue.record("accepted --key-file with --insecure")
        } catch {
            #expect(NodeCommand.message(for: error).contains("--key-file and --insecure contradict each other"))
        }
    }

    @Test func joinWithAKeyFileOrInsecure_parses() throws {
        let keyed = try #require(try NodeCommand.parseAsRoot(["join", "--no-config", "--key-file", "/etc/coalition/key"]) as? JoinCommand).settings()
        #expect(keyed.string(.keyFile) == "/etc/coalition/key" && !keyed.boolean(.insecure))
        let open = try #require(try NodeCommand.parseAsRoot(["join", "--no-config", "--insecure"]) as? JoinCommand).settings()
        #expect(open.boolean(.insecure) && open.string(.keyFile) == nil)
    }

    @Test func statusSaysPlainlyWhetherTheCoalitionIsAuthenticated() throws {
        let node = NodeSummary(
            name: "board-1", id: "00000000000000a1", incarnation: 1, cores: 4, memoryMiB: 1024, profile: "none",
            heartbeatPort: 7946, queryPort: 7947, published: true, uptimeSeconds: 3)
        let open = Rendering.status(StatusReport(node: node, avahi: "running", peers: [], authentication: .insecure))
        #expect(open.contains("authentication: OFF (--insecure): any device on the LAN can join and feed data"), "\(open)")

        let keyring = WireKeyring(try WireAuthenticator(keys: CoalitionKeys(
            current: Array("the new coalition key, 9876543210".utf8), previous: Array("the old coalition key, 0123456789".utf8))))
        let keyed = Rendering.status(StatusReport(node: node, avahi: "running", peers: [], authentication: AuthenticationStatus(keyring: keyring)))
        #expect(keyed.contains("authentication: ON (HMAC-SHA256): 2 keys accepted, sending under"), "\(keyed)")

        let json = String(decoding: try JSONEncoder().encode(StatusReport(node: node, avahi: "running", peers: [], authentication: .insecure)), as: UTF8.self)
        #expect(json.contains("\"enabled\":false") && json.contains("any device on the LAN can join"), "\(json)")
    }
}
