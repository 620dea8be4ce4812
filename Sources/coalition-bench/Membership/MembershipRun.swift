import Foundation
import LabKit

/// One system measured at one host count: convergence, the idle window, link cuts, then loss.
struct MembershipRun {
    let lab: Lab
    let label: String
    let options: BenchMembershipCommand
    /// Seconds from convergence to the idle window.
    let settleSeconds: Int
    /// Seconds at `options.lossPercent` random loss on every host (0 skips).
    let lossSeconds: Int

    func measure(_ system: some SystemUnderTest) async throws -> MembershipFigures {
        var figures = MembershipFigures()
        let started = Date()
        let pids = try await system.start()
        // Starting takes longer with more hosts on two cores (every host resolves every other
        // through mDNS, each query multicast to all: 116 s at 50 hosts, 695 s at 100 on a loaded
        // machine): 60 s plus 9 s per host.
        let convergence = 60 + 9 * Double(lab.count)
        guard try await Lab.wait(within: convergence, every: 0.5, until: { await system.everyoneSeesEveryoneAlive() }) else {
            throw BenchFailure("\(label): the \(lab.count) members never saw each other alive within \(Int(convergence)) s: \(await system.notSeenAlive())")
        }
        say("\(label): \(lab.count) members all alive everywhere \(String(format: "%.1f", Date().timeIntervalSince(started))) s after the first start")
        try await Task.sleep(for: .seconds(settleSeconds))
        let idle = try await IdleWindow.measure(pids: pids, in: lab, seconds: options.idleSeconds)
        figures.cpuShare = idle.cpuShare
        figures.rssAnonKiB = idle.rssAnonKiB
        figures.bytesPerSecondOut = idle.bytesOut
        figures.bytesPerSecondIn = idle.bytesIn
        say("\(label): idle CPU \(String(format: "%.3f", idle.cpuShare * 100))% of a core, RssAnon \(idle.rssAnonKiB) KiB, traffic out \(Int(idle.bytesOut)) B/s in \(Int(idle.bytesIn)) B/s per host")
        if options.idleOnly { return figures }
        for trial in 0..<options.trials {
            try await cut(trial: trial, system, into: &figures)
        }
        if lossSeconds > 0 {
            let start = Date()
            for host in 1...lab.count { try lab.loss(host: host, percent: options.lossPercent) }
            try await Task.sleep(for: .seconds(lossSeconds))
            for host in 1...lab.count { try lab.loss(host: host, percent: 0) }
            figures.falseDeaths = system.deaths(since: start)
            say("\(label): \(lossSeconds) s at \(options.lossPercent)% loss on every host: \(figures.falseDeaths!) false deaths")
        }
        return figures
    }

    /// Cuts one host's link, times until every other host reports it dead, heals it and waits
    /// until everyone sees everyone alive again.
    private func cut(trial: Int, _ system: some SystemUnderTest, into figures: inout MembershipFigures) async throws {
        let victim = 2 + trial % (lab.count - 1)
        // By default a cut comes as soon as everyone sees everyone alive again, in the burst of
        // CPU the previous heal causes on this one machine (every avahi-daemon re-learning the
        // healed host's records, up to 53 of 100 daemons waiting for a CPU). With
        // `--settled-cuts` it waits until no host's ticks ran late lately (health 0).
        if options.settledCuts {
            let settling = Date()
            var degraded = await system.hostWithDegradedHealth()
            while degraded != nil, Date().timeIntervalSince(settling) < 30 {
                try await Task.sleep(for: .milliseconds(500))
                degraded = await system.hostWithDegradedHealth()
            }
            let waited = Date().timeIntervalSince(settling)
            if waited > 0.2 { figures.healthWaits.append(waited) }
            if let host = degraded { say("\(label): trial \(trial + 1): h\(host) still of degraded health after 30 s; cutting anyway") }
        }
        let stalls = await StallWatch.start()
        let cutAt = Date()
        try lab.cut(host: victim)
        // The times are those the hosts logged, not when they are read: a slow poll costs no
        // precision, and at 100 hosts a fast one (every log read and decoded 50 times a
        // second) loaded the machine it measures.
        let seen = try await Lab.wait(within: 30, every: 0.25, until: { system.allOthersReportDead(victim, since: cutAt) != nil })
        let stall = await stalls.stop()
        if stall > StallWatch.reported { figures.stalledTrials.append(trial + 1) }
        let stalled = stall > StallWatch.reported
            ? String(format: " (the bench's own %d ms timer ran up to %.3f s late meanwhile: the machine stalled)", Int(StallWatch.tick / .milliseconds(1)), stall) : ""
        guard seen, let detected = system.allOthersReportDead(victim, since: cutAt) else {
            try lab.heal(host: victim)
            say("\(label): trial \(trial + 1): cut h\(victim) NOT reported dead by every other host within 30 s; missing: \(system.missingDeathReports(victim, since: cutAt))\(stalled)")
            figures.undetected += 1
            _ = try await Lab.wait(within: 90, every: 0.5, until: { await system.everyoneSeesEveryoneAlive() })
            return
        }
        figures.detections.append(detected.timeIntervalSince(cutAt))
        say("\(label): trial \(trial + 1): cut h\(victim), dead everywhere after \(String(format: "%.3f", detected.timeIntervalSince(cutAt))) s\(stalled)")
        try lab.heal(host: victim)
        guard try await Lab.wait(within: 90, every: 0.5, until: { await system.everyoneSeesEveryoneAlive() }) else {
            throw BenchFailure("\(label): host \(victim) did not come back within 90 s of healing: \(await system.notSeenAlive())")
        }
        if let bystanders = system.bystanderDeaths(around: victim, since: cutAt), bystanders.reports > 0 {
            figures.bystanderDeaths.append(bystanders)
            say("\(label): trial \(trial + 1): \(bystanders)")
        }
    }
}
