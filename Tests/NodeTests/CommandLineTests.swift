import ArgumentParser
import Testing

@testable import node

@Suite struct CommandLineTests {
    /// Every subcommand `node` has, as users type them.
    static let subcommands = ["join", "request", "release", "profile", "status", "keygen", "allocate"]

    /// Started by the daemon, never typed by users: hidden from the help.
    static let internalSubcommands = ["worker"]

    @Test func theSubcommandsAreTheOnesThisTestChecks() {
        #expect(NodeCommand.configuration.subcommands.map { $0._commandName } == Self.subcommands + Self.internalSubcommands)
    }

    @Test func theWorkersAreHiddenFromTheHelp_andParseTheirOptions() throws {
        #expect(!NodeCommand.helpMessage().contains("worker"))
        let demux = try #require(try NodeCommand.parseAsRoot(["worker", "demux", "--input", "testsrc", "--video", "FHD", "--duration", "5"]) as? DemuxWorkerCommand)
        #expect(demux.input == "testsrc" && demux.video == .fhd && demux.duration == 5 && demux.unitSeconds == 1)
        #expect(try NodeCommand.parseAsRoot(["worker", "decode"]) is DecodeWorkerCommand)
    }

    @Test func benchmarksAreNotPartOfTheProduct() {
        #expect(throws: (any Error).self, "benchmarks live in coalition-bench") { try NodeCommand.parseAsRoot(["bench", "membership"]) }
    }

    @Test func helpListsEverySubcommand() {
        let help = NodeCommand.helpMessage()
        for subcommand in Self.subcommands {
            #expect(help.contains("  \(subcommand) "), "help lacks \(subcommand):\n\(help)")
        }
    }

    @Test(arguments: CommandLineTests.subcommands)
    func everySubcommandHasHelpOfItsOwn(_ subcommand: String) {
        let help = NodeCommand.helpMessage(for: NodeCommand.configuration.subcommands.first { $0._commandName == subcommand }!)
        #expect(help.contains("USAGE: node \(subcommand)"), "\(help)")
    }

    @Test func statusReleaseAndKeygenParseTheirOptions() throws {
        let status = try #require(try NodeCommand.parseAsRoot(["status", "--json", "--watch", "--control-socket", "/tmp/n.sock"]) as? StatusCommand)
        #expect(status.json && status.watch && status.controlSocket == "/tmp/n.sock")
        #expect(!status.verbose)
        let verbose = try #require(try NodeCommand.parseAsRoot(["status", "-v"]) as? StatusCommand)
        #expect(verbose.verbose && !verbose.json)
        let release = try #require(try NodeCommand.parseAsRoot(["release", "31901bd4/1", "--json"]) as? ReleaseCommand)
        #expect(release.service == "31901bd4/1" && release.json)
        #expect(try NodeCommand.parseAsRoot(["keygen", "/tmp/key", "--force"]) is KeygenCommand)
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

    @Test func aRequestTakesAWeight_aboveZero_andNotWithAnInput() throws {
        let weighted = try #require(try NodeCommand.parseAsRoot(["request", "--video", "HD", "--weight", "5"]) as? RequestCommand)
        #expect(weighted.weight == 5)
        #expect((try NodeCommand.parseAsRoot(["request", "--video", "HD"]) as? RequestCommand)?.weight == nil, "no weight is the default, 1")
        for (arguments, says) in [
            (["request", "--video", "HD", "--weight", "0"], "--weight must be above 0"),
            (["request", "--video", "HD", "--weight=-1"], "--weight must be above 0"),
            (["request", "--input", "testsrc", "--weight", "5"], "--weight cannot be used with --input"),
        ] {
            do {
                _ = try NodeCommand.parseAsRoot(arguments)
                Issue.record("accepted \(arguments)")
            } catch {
                #expect(NodeCommand.message(for: error).contains(says), "\(NodeCommand.message(for: error))")
            }
        }
    }

    @Test func thumbnailsNeedAnInputAndAnOutput_andASensibleInterval() throws {
        let request = try #require(
            try NodeCommand.parseAsRoot(["request", "--input", "testsrc", "--output", "out", "--thumbnails", "2.5"]) as? RequestCommand)
        #expect(request.thumbnails == 2.5)
        for (arguments, says) in [
            (["request", "--video", "HD", "--thumbnails", "2"], "--thumbnails needs --input"),
            (["request", "--input", "testsrc", "--thumbnails", "2"], "--thumbnails needs --output"),
            (["request", "--input", "testsrc", "--output", "out", "--thumbnails", "0"], "--thumbnails must be within 0.1...3600"),
            (["request", "--input", "testsrc", "--output", "out", "--thumbnails", "nan"], "--thumbnails must be within 0.1...3600"),
        ] {
            do {
                _ = try NodeCommand.parseAsRoot(arguments)
                Issue.record("accepted \(arguments)")
            } catch {
                #expect(NodeCommand.message(for: error).contains(says), "\(NodeCommand.message(for: error))")
            }
        }
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
