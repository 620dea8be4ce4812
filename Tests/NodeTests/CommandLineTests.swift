import ArgumentParser
import Testing

@testable import node

@Suite struct CommandLineTests {
    @Test func helpListsTheFourSubcommands() {
        let help = NodeCommand.helpMessage()
        for subcommand in ["join", "request", "profile", "status"] {
            #expect(help.contains("  \(subcommand) "), "help lacks \(subcommand):\n\(help)")
        }
    }

    @Test func anUnknownVideoLevel_failsNamingTheValidLevels() {
        #expect(throws: (any Error).self) { try NodeCommand.parseAsRoot(["request", "--video", "XYZ"]) }
        do {
            _ = try NodeCommand.parseAsRoot(["request", "--video", "XYZ"])
        } catch {
            let message = NodeCommand.message(for: error)
            #expect(message.contains("'XYZ' is not a video level; valid video levels are SD, HD, FHD"), "\(message)")
            #expect(NodeCommand.exitCode(for: error) != .success)
        }
    }

    @Test func anUnknownAudioLevel_failsNamingTheValidLevels() {
        do {
            _ = try NodeCommand.parseAsRoot(["request", "--video", "HD", "--audio", "loud"])
            Issue.record("accepted --audio loud")
        } catch {
            #expect(NodeCommand.message(for: error).contains("valid audio levels are low, medium, high"))
        }
    }

    @Test func aRequestParsesItsLadder() throws {
        let command = try NodeCommand.parseAsRoot(["request", "--video", "FHD", "--accept", "HD,SD", "--streams", "2"])
        let request = try #require(command as? RequestCommand)
        let parsed = try request.serviceRequest()
        #expect(parsed.ladder.map(\.description) == ["FHD", "HD", "SD"])
        #expect(parsed.streams == 2)
    }

    @Test func aRequestWithNothingToDeliver_isRefused() {
        do {
            _ = try NodeCommand.parseAsRoot(["request"])
            Issue.record("accepted an empty request")
        } catch {
            #expect(NodeCommand.message(for: error).contains("Say what to deliver"))
        }
    }
}
