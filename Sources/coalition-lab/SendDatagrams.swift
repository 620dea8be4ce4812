import ArgumentParser
import Foundation
import LabKit
import NIOCore
import NIOPosix

/// A plain UDP sender for the lab tests' stranger (MembershipAdmissionLabTests): it knows nothing
/// of the protocol and sends whatever bytes it is given, paced, round-robin to the targets.
struct SendDatagrams: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-datagrams",
        abstract: "Send length-prefixed datagrams from a file, round-robin to the targets, at a rate; print how many were sent.",
        discussion: "The file holds datagrams one after another, each after its length as a big-endian UInt32 (LabKit's DatagramFile).")

    @Argument(help: ArgumentHelp("The datagrams.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("Comma-separated targets.", valueName: "address:port,..."))
    var to: String

    @Option(help: ArgumentHelp("Datagrams per second.", valueName: "n"))
    var rate: Double = 1000

    func validate() throws {
        guard rate > 0 else { throw ValidationError("--rate must be above 0") }
        _ = try targets()
    }

    /// The targets, each checked.
    func targets() throws -> [SocketAddress] {
        try to.split(separator: ",").map { try SocketAddress.labTarget($0) }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw Unanswered(description: "cannot read \(file)") }
        let datagrams = try DatagramFile.decode(Array(data))
        let targets = try targets()
        let channel = try DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            .bind(host: "0.0.0.0", port: 0).wait()
        defer { try? channel.close().wait() }
        var errors = 0
        let start = Date()
        for (index, datagram) in datagrams.enumerated() {
            let envelope = AddressedEnvelope(remoteAddress: targets[index % targets.count], data: channel.allocator.buffer(bytes: datagram))
            do { try channel.writeAndFlush(envelope).wait() } catch { errors += 1 }
            let sent = index + 1
            if sent % 50 == 0 {
                let delay = start.addingTimeInterval(Double(sent) / rate).timeIntervalSinceNow
                if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            }
        }
        print("sent \(datagrams.count) datagrams (\(errors) send errors)")
    }
}
