import ArgumentParser
import Coalition
import Foundation
import LabKit

/// The lab's questions for scripts (scripts/demo): what used to be python one-liners over
/// `node status --json` and report.json, answered through LabKit's one typed reader of
/// `node status --json` (``Lab/nodeStatus(socket:node:)``) and ``StatusQuestions``.
@main
struct CoalitionLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coalition-lab",
        abstract: "Questions the lab scripts ask of running nodes and of a stream's report.",
        subcommands: [WaitPeers.self, MemberBoard.self, StreamSummary.self, SendDatagrams.self, SendStream.self, CommittedProfile.self])
}

struct CommittedProfile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "committed-profile",
        abstract: "Print the committed capability profile the lab lends with: the one measured on this machine's CPU, else the first.")

    func run() throws {
        print(try Lab.committedProfile())
    }
}

/// The `node` the questions are asked through: beside this binary unless given.
struct NodeOption: ParsableArguments {
    @Option(help: ArgumentHelp("The `node` binary that runs `node status --json`. Default: the one beside coalition-lab.", valueName: "path"))
    var node: String = Lab.nodeBinary
}

/// Exits 1 with a message on standard error.
struct Unanswered: Error, CustomStringConvertible {
    let description: String
}

struct WaitPeers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait-peers",
        abstract: "Wait until a node holds at least COUNT peers alive; print how many it holds.")

    @Option(help: ArgumentHelp("The node's control socket.", valueName: "path"))
    var socket: String

    @Argument(help: "The peers to wait for.")
    var count: Int

    @Option(help: ArgumentHelp("Give up after this many seconds (exit 1).", valueName: "seconds"))
    var timeout: Double = 15

    @OptionGroup var node: NodeOption

    func run() throws {
        var alive = 0
        let held = Lab.poll(within: timeout) {
            alive = Lab.nodeStatus(socket: socket, node: node.node).map(StatusQuestions.alivePeers) ?? 0
            return alive >= count
        }
        print(alive)
        guard held else { throw Unanswered(description: "\(socket): \(alive) of \(count) peers alive after \(timeout) s") }
    }
}

struct MemberBoard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member-board",
        abstract: "Print which board (1-based, in the order given) holds the first member of a service requested at a node.")

    @Option(help: ArgumentHelp("The control socket of the node the service was requested at.", valueName: "path"))
    var socket: String

    @Option(help: ArgumentHelp("`first` (the oldest service) or `last-serving`.", valueName: "which"))
    var service: String = StatusQuestions.ServiceChoice.first.rawValue

    @Argument(help: ArgumentHelp("The boards' control sockets, board 1 first.", valueName: "board-socket"))
    var boards: [String]

    @OptionGroup var node: NodeOption

    func validate() throws {
        guard StatusQuestions.ServiceChoice(rawValue: service) != nil else {
            throw ValidationError("--service is one of: \(StatusQuestions.ServiceChoice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard !boards.isEmpty else { throw ValidationError("name at least one board's control socket") }
    }

    func run() throws {
        let choice = StatusQuestions.ServiceChoice(rawValue: service)!
        guard let document = Lab.nodeStatus(socket: socket, node: node.node) else {
            throw Unanswered(description: "no node answers at \(socket)")
        }
        guard let member = StatusQuestions.firstMember(of: choice, in: document) else {
            throw Unanswered(description: "\(socket): no \(service) service with a member")
        }
        let documents = boards.map { Lab.nodeStatus(socket: $0, node: node.node) }
        guard let board = StatusQuestions.board(holding: member, among: documents) else {
            throw Unanswered(description: "no board given holds member \(member)")
        }
        print(board)
    }
}

struct StreamSummary: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream-summary",
        abstract: "One line for a stream's report.json: frames on time, late, lost; units; members.")

    @Argument(help: ArgumentHelp("The report.json `node request --input ... --output DIR` wrote.", valueName: "report.json"))
    var report: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: report) else {
            throw Unanswered(description: "cannot read \(report)")
        }
        do {
            print(StatusQuestions.streamSummary(try StatusQuestions.streamReport(json: data)))
        } catch {
            throw Unanswered(description: "\(report) is not a stream report: \(error)")
        }
    }
}
