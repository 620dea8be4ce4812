import ChildProcess
import Foundation
import LabKit
import Testing

/// The lab itself: what every other lab test relies on.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct LabSmokeTests {
    @Test func aServicePublishedOnHostOneIsBrowsedOnHostThreeWithHostOnesAddress() throws {
        let lab = try Lab.up(hosts: 3, name: "smoke")
        defer { lab.down() }
        let log = "\(lab.directory)-publish.log"
        defer { try? FileManager.default.removeItem(atPath: log) }

        try lab.spawn(host: 1, logFile: log, "avahi-publish", "-s", "smoke", "_coalition._udp", "7946", "txtvers=1")

        var lastBrowse = CommandOutput(status: -1, stdout: "", stderr: "")
        let seen = try Lab.poll(within: 5) {
            lastBrowse = try lab.run(host: 3, timeout: 4, "avahi-browse", "-rpt", "_coalition._udp")
            return lastBrowse.stdout.split(separator: "\n").contains { $0.hasPrefix("=") && $0.contains(";smoke;") }
        }
        #expect(seen, "host 3 did not resolve host 1's service within 5 s; last browse: \(lastBrowse)")
        let resolved = lastBrowse.stdout.split(separator: "\n").first { $0.hasPrefix("=") && $0.contains(";smoke;") }
        let fields = resolved.map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) } ?? []
        // =;interface;protocol;name;type;domain;host name;address;port;txt
        #expect(fields.count >= 10)
        if fields.count >= 10 {
            #expect(fields[1] == lab.host(3).interface)
            #expect(fields[7] == lab.address(host: 1))
            #expect(fields[8] == "7946")
            #expect(fields[9] == "\"txtvers=1\"")
        }
    }

    @Test func aCutHostIsUnreachableUntilItsLinkHeals() throws {
        let lab = try Lab.up(hosts: 3, name: "smoke")
        defer { lab.down() }

        #expect(try lab.reachable(from: 2, to: 1), "\(lab.status())")
        try lab.cut(host: 1)
        #expect(try !lab.reachable(from: 2, to: 1), "\(lab.status())")
        #expect(try lab.reachable(from: 2, to: 3), "a cut of host 1 must not disturb the others")
        try lab.heal(host: 1)
        #expect(try Lab.poll(within: 2) { try lab.reachable(from: 2, to: 1) }, "\(lab.status())")
    }

    /// A test runs on a libdispatch thread, which blocks every signal, and children inherit the
    /// mask: a node started from here would never see its SIGTERM unless the lab clears it.
    @Test func commandsRunInAHostGetEverySignalUnblockedAndAtItsDefault() throws {
        let lab = try Lab.up(hosts: 1, name: "smoke")
        defer { lab.down() }

        let status = try lab.run(host: 1, "cat", "/proc/self/status")
        #expect(standardSignals(status.stdout, "SigBlk") == 0, "\(status)")
        #expect(standardSignals(status.stdout, "SigIgn") == 0, "\(status)")

        let env = try #require(Executables.find("env"))
        let text = try ChildProcess.run(env, try lab.execPrefix(host: 1) + ["cat", "/proc/self/status"]).stdout
        #expect(standardSignals(text, "SigBlk") == 0, "the exec-env prefix left signals blocked: \(text)")
    }

    /// The signals 1-31 of a mask line (`SigBlk`, `SigIgn`) of /proc/PID/status; nil if absent.
    private func standardSignals(_ status: String, _ key: String) -> UInt64? {
        let line = status.split(separator: "\n").first { $0.hasPrefix(key + ":") }
        let hex = line?.split(separator: "\t").last.map(String.init) ?? ""
        return UInt64(hex, radix: 16).map { $0 & 0x7fff_ffff }
    }

    @Test func hostsHaveNoRouteOutOfTheLab() throws {
        let lab = try Lab.up(hosts: 2, name: "smoke")
        defer { lab.down() }

        for index in 1...2 {
            let routes = try lab.run(host: index, "ip", "-4", "route", "show")
            #expect(routes.succeeded, "\(routes)")
            let lines = routes.stdout.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(lab.host(index).interface), "routes: \(routes.stdout)")
            #expect(!routes.stdout.contains("default"))
            let links = try lab.run(host: index, "ip", "-o", "link", "show")
            #expect(!links.stdout.contains("eth0"), "host \(index) must not see the machine's eth0: \(links.stdout)")
        }
    }
}

/// The lab's faults reach the host they are applied to, and only it.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct LabFaultTests {
    /// The state letter of a process (`R`, `S`, `T`, ...) from /proc, or nil once it is gone.
    private func state(of pid: pid_t) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let letter = stat[stat.index(close, offsetBy: 2)]
        return letter == "Z" ? nil : letter
    }

    @Test func killEndsTheProcessesSpawnedOnThatHostOnly() throws {
        let lab = try Lab.up(hosts: 2, name: "faults")
        defer { lab.down() }
        let log = "\(lab.directory)-sleep.log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let one = try lab.spawn(host: 1, logFile: log, "sleep", "300")
        let two = try lab.spawn(host: 2, logFile: log, "sleep", "300")

        try lab.kill(host: 1)

        #expect(state(of: one) == nil, "host 1's process survived lab kill")
        #expect(state(of: two) != nil, "host 2's process was killed by a kill of host 1")
    }

    @Test func pauseStopsASpawnedProcessAndResumeContinuesIt() throws {
        let lab = try Lab.up(hosts: 1, name: "faults")
        defer { lab.down() }
        let log = "\(lab.directory)-sleep.log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let pid = try lab.spawn(host: 1, logFile: log, "sleep", "300")

        try lab.pause(host: 1)
        // A process that is still starting takes the stop when it is next scheduled.
        #expect(Lab.poll(within: 2) { state(of: pid) == "T" })
        try lab.resume(host: 1)
        #expect(Lab.poll(within: 2) { state(of: pid) == "S" })
    }

    @Test func fullLossCutsAHostOffAndNoLossRestoresIt() throws {
        let lab = try Lab.up(hosts: 2, name: "faults")
        defer { lab.down() }

        try lab.loss(host: 1, percent: 100)
        #expect(try !lab.reachable(from: 2, to: 1), "\(lab.status())")
        try lab.loss(host: 1, percent: 0)
        #expect(try Lab.poll(within: 2) { try lab.reachable(from: 2, to: 1) }, "\(lab.status())")
    }

    @Test func clientsOfAStoppedAvahiDaemonFailUntilItStartsAgain() throws {
        let lab = try Lab.up(hosts: 1, name: "faults")
        defer { lab.down() }

        try lab.avahiStop(host: 1)
        let stopped = try lab.run(host: 1, timeout: 5, "avahi-browse", "-at")
        #expect(!stopped.succeeded && stopped.stderr.contains("Daemon not running"), "\(stopped)")
        try lab.avahiStart(host: 1)
        let started = try lab.run(host: 1, timeout: 5, "avahi-browse", "-at")
        #expect(started.succeeded, "\(started)")
    }

    @Test func aCPUQuotaAppliesToTheProcessesOfItsHost() throws {
        let lab = try Lab.up(hosts: 1, name: "faults")
        defer { lab.down() }

        try lab.cpu(host: 1, fraction: 0.25)
        let cgroup = try lab.run(host: 1, "cat", "/proc/self/cgroup")
        #expect(cgroup.stdout.contains("/coalition-lab-"), "\(cgroup)")
        #expect(lab.status().contains(" 0.25 "), "\(lab.status())")
        try lab.cpu(host: 1, fraction: nil)
        #expect(lab.status().contains(" max "), "\(lab.status())")
    }
}
