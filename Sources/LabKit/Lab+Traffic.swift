import ChildProcess
import Foundation

/// Bytes a host sent and received, as its port on the lab's bridge counts them.
public struct HostTraffic: Sendable, Equatable {
    /// Bytes the host sent (its bridge port received them).
    public var bytesOut: Double
    /// Bytes the host received (its bridge port sent them).
    public var bytesIn: Double
}

/// Traffic counters read from the bridge, where no host's own load can skew them.
extension Lab {
    /// Every host's counters so far, read at one instant (one read of the bridge namespace's
    /// `/proc/net/dev`, so all hosts are measured over the same window); `[0]` is host 1.
    public func traffic() throws -> [HostTraffic] {
        guard let ip = Executables.find("ip"), let bridge = hosts.first?.bridgeNamespace else {
            throw LabError(arguments: ["(traffic)"], output: CommandOutput(status: -1, stdout: "", stderr: "no ip, or no host"))
        }
        let output = try ChildProcess.run(ip, ["netns", "exec", bridge, "cat", "/proc/net/dev"])
        guard output.succeeded else { throw LabError(arguments: ["(traffic) ip netns exec", bridge], output: output) }
        let lines = output.stdout.split(separator: "\n")
        return try hosts.map { host in
            let line = lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("\(host.bridgePort):") }
            let fields = line?.split(separator: ":", maxSplits: 1).last?.split(separator: " ").compactMap { Double($0) } ?? []
            // Receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes ...
            guard fields.count >= 9 else {
                throw LabError(arguments: ["(traffic) \(host.bridgePort) of host \(host.index)"], output: output)
            }
            return HostTraffic(bytesOut: fields[0], bytesIn: fields[8])
        }
    }
}
