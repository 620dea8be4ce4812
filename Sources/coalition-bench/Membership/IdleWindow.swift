import Foundation
import LabKit

/// What the daemons cost at rest, averaged over a window: CPU, private memory, traffic.
struct IdleWindow {
    /// Share of one core per daemon, averaged over the daemons.
    var cpuShare: Double
    /// RssAnon per daemon at the end of the window, KiB, averaged over the daemons.
    var rssAnonKiB: Int
    /// Bytes per second each host sent and received, averaged over the hosts.
    var bytesOut: Double
    var bytesIn: Double

    /// Measures `pids` and every host of `lab` over `seconds`.
    static func measure(pids: [pid_t], in lab: Lab, seconds: Int) async throws -> IdleWindow {
        let processes = pids.map(ProcessStatistics.init(pid:))
        let cpuBefore = processes.map { $0.cpuSeconds() }
        let trafficBefore = try lab.traffic()
        let start = ContinuousClock.now
        try await Task.sleep(for: .seconds(seconds))
        let elapsed = (ContinuousClock.now - start) / .seconds(1)
        let cpuAfter = processes.map { $0.cpuSeconds() }
        let trafficAfter = try lab.traffic()
        let cpu = zip(cpuBefore, cpuAfter).map { ($1 - $0) / elapsed }
        let rss = processes.map { $0.rssAnonKiB() }
        let hosts = Double(lab.count)
        let sent = zip(trafficBefore, trafficAfter).reduce(0.0) { $0 + $1.1.bytesOut - $1.0.bytesOut }
        let received = zip(trafficBefore, trafficAfter).reduce(0.0) { $0 + $1.1.bytesIn - $1.0.bytesIn }
        return IdleWindow(
            cpuShare: cpu.reduce(0, +) / Double(max(1, cpu.count)),
            rssAnonKiB: rss.reduce(0, +) / max(1, rss.count),
            bytesOut: sent / elapsed / hosts,
            bytesIn: received / elapsed / hosts)
    }
}
