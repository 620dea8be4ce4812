import Foundation
import LabKit

/// The kind of a daemon's child, told by its command line: `node worker demux` or
/// `node worker decode` (the daemon starts its workers as `/proc/self/exe worker KIND ...`).
enum DaemonChildKind: Hashable {
    case demux, decode, other

    init(commandLine: [String]) {
        guard let worker = commandLine.firstIndex(of: "worker"), worker + 1 < commandLine.count else {
            self = .other
            return
        }
        switch commandLine[worker + 1] {
        case "demux": self = .demux
        case "decode": self = .decode
        default: self = .other
        }
    }
}

/// Measures one window of a lab's fleet for ``CPUSplit``: each host's cgroup, each daemon's own
/// CPU and its children's (told apart by their command lines), the requester's `node request`,
/// and each host's avahi-daemon and dbus-daemon. Only pids the lab recorded or the benchmark
/// started, and those daemons' children; nothing found by name.
///
/// Make it at the window's start, call ``observe()`` while the window runs (every 0.5 s in the
/// benchmark), then ``finish()``. A daemon's children's CPU is (reaped + live) at the end minus
/// the same at the start, so a worker that exits inside the window counts in full once its
/// daemon reaps it. A process gone before the end counts to the last look at it, and a daemon
/// gone lives, for its idle rate, until then. The fleet's processes' times are `/proc/PID/stat`'s,
/// at clock-tick resolution (10 ms; they keep exited threads' time); avahi-daemon's, dbus-daemon's
/// and the cgroups' are to the nanosecond.
struct StreamCPUProbe {
    /// A daemon of the fleet.
    struct Daemon {
        var name: String
        var host: Int
        var pid: pid_t
    }

    /// One look at a process: its own CPU, its children's (reaped and live), when.
    private struct Reading {
        var own: Double
        var children: Double
        var at: ContinuousClock.Instant
    }

    /// A process followed through the window.
    private struct Followed {
        var start: Reading?
        var latest: Reading?
        var kinds: Set<DaemonChildKind> = []
    }

    private let lab: Lab
    private let daemons: [Daemon]
    private let start: ContinuousClock.Instant
    private let cgroupsAtStart: [Int: Double]
    private var followedDaemons: [String: Followed] = [:]
    /// Per host: its avahi-daemon's and dbus-daemon's pids, as the lab recorded them, followed.
    private var avahi: [Int: (pid: pid_t, followed: Followed)] = [:]
    private var dbus: [Int: (pid: pid_t, followed: Followed)] = [:]
    /// The requester's `node request` and its host, once started.
    private var requester: (pid: pid_t, host: Int)?
    private var requesterLatest = 0.0

    /// Starts a window now.
    init(lab: Lab, daemons: [Daemon]) {
        self.lab = lab
        self.daemons = daemons
        start = .now
        cgroupsAtStart = lab.hostCPUSeconds()
        for daemon in daemons {
            var followed = Followed()
            followed.start = Self.read(daemon: daemon.pid, kinds: &followed.kinds)
            followed.latest = followed.start
            followedDaemons[daemon.name] = followed
        }
        for host in lab.hosts {
            // The recorded pid is the daemon itself once the lab's wrappers exec'd into it; a pid
            // that is something else is not followed.
            if let pid = host.avahiPID, Self.runs(pid, "avahi-daemon") { avahi[host.index] = (pid, Self.follow(pid)) }
            if let pid = host.dbusPID, Self.runs(pid, "dbus-daemon") { dbus[host.index] = (pid, Self.follow(pid)) }
        }
    }

    /// Follows the requester's `node request`, started in `host` after the window began (its
    /// CPU before counts as none). It is sampled at each look, so what it used after the last
    /// one falls in the host's rest.
    mutating func follow(requester pid: pid_t, host: Int) {
        requester = (pid, host)
    }

    /// Looks at every process now.
    mutating func observe() {
        for daemon in daemons {
            guard var followed = followedDaemons[daemon.name] else { continue }
            if let reading = Self.read(daemon: daemon.pid, kinds: &followed.kinds) { followed.latest = reading }
            followedDaemons[daemon.name] = followed
        }
        // A zombie (exited, not yet reaped) holds its final times; a pid that runs something
        // else is not the requester's any more.
        if let requester, let times = ProcessStatistics(pid: requester.pid).times(),
            times.isZombie || ProcessStatistics(pid: requester.pid).commandLine().contains("request")
        {
            requesterLatest = max(requesterLatest, times.ownSeconds)
        }
        avahi = avahi.mapValues { ($0.pid, Self.advance($0.followed, pid: $0.pid)) }
        dbus = dbus.mapValues { ($0.pid, Self.advance($0.followed, pid: $0.pid)) }
    }

    /// Ends the window now: its wall seconds and what each host used.
    mutating func finish() -> (seconds: Double, hosts: [Int: CPUSplit.Host]) {
        observe()
        let end = ContinuousClock.now
        let cgroupsAtEnd = lab.hostCPUSeconds()
        var hosts: [Int: CPUSplit.Host] = [:]
        for host in lab.hosts {
            var split = CPUSplit.Host()
            split.cgroup = (cgroupsAtEnd[host.index] ?? 0) - (cgroupsAtStart[host.index] ?? 0)
            split.avahi = avahi[host.index].flatMap { Self.ownDelta($0.followed) }
            split.dbus = dbus[host.index].flatMap { Self.ownDelta($0.followed) }
            hosts[host.index] = split
        }
        for daemon in daemons {
            guard let followed = followedDaemons[daemon.name], let first = followed.start, let last = followed.latest else { continue }
            hosts[daemon.host, default: CPUSplit.Host()].daemons[daemon.name] = last.own - first.own
            if end - last.at > .seconds(1) {
                hosts[daemon.host, default: CPUSplit.Host()].daemonLifetimes[daemon.name] = (last.at - start) / .seconds(1)
            }
            let children = last.children - first.children
            switch followed.kinds.count == 1 ? followed.kinds.first ?? .other : .other {
            case .demux: hosts[daemon.host, default: CPUSplit.Host()].demuxWorkers += children
            case .decode: hosts[daemon.host, default: CPUSplit.Host()].decodeWorkers += children
            case .other: hosts[daemon.host, default: CPUSplit.Host()].otherChildren += children
            }
        }
        if let requester { hosts[requester.host, default: CPUSplit.Host()].requester = requesterLatest }
        return ((end - start) / .seconds(1), hosts)
    }

    /// A daemon's own CPU and its children's (reaped, and not yet reaped with theirs: zombies
    /// too, whose time is not yet in the reaped), noting the children's kinds; nil when it is
    /// gone (or a zombie).
    private static func read(daemon pid: pid_t, kinds: inout Set<DaemonChildKind>) -> Reading? {
        let process = ProcessStatistics(pid: pid)
        let at = ContinuousClock.now
        // A pid that runs something else (reused after the daemon was killed) is not the daemon.
        guard let times = process.times(), !times.isZombie, process.commandLine().contains("join") else { return nil }
        var live = 0.0
        for child in process.children() {
            let statistics = ProcessStatistics(pid: child)
            guard let childTimes = statistics.times() else { continue }
            // A zombie's command line is empty: its kind was seen while it ran.
            if !childTimes.isZombie { kinds.insert(DaemonChildKind(commandLine: statistics.commandLine())) }
            live += childTimes.ownSeconds + childTimes.reapedChildrenSeconds
        }
        return Reading(own: times.ownSeconds, children: times.reapedChildrenSeconds + live, at: at)
    }

    /// True when `pid` runs the program named `program`.
    private static func runs(_ pid: pid_t, _ program: String) -> Bool {
        ProcessStatistics(pid: pid).commandLine().first.map { URL(fileURLWithPath: $0).lastPathComponent == program } ?? false
    }

    /// Starts following a process that is not a daemon of the fleet: its own CPU only, to the
    /// nanosecond (avahi-daemon and dbus-daemon run one thread each, which ``ProcessStatistics/cpuSeconds()``
    /// reads exactly, where a clock tick would be most of what they use in a window).
    private static func follow(_ pid: pid_t) -> Followed {
        let reading = single(pid)
        return Followed(start: reading, latest: reading)
    }

    private static func advance(_ followed: Followed, pid: pid_t) -> Followed {
        var followed = followed
        if let reading = single(pid) { followed.latest = reading }
        return followed
    }

    /// A process's own CPU from its live threads; nil when it is gone or a zombie.
    private static func single(_ pid: pid_t) -> Reading? {
        let process = ProcessStatistics(pid: pid)
        guard let times = process.times(), !times.isZombie else { return nil }
        return Reading(own: process.cpuSeconds(), children: 0, at: .now)
    }

    private static func ownDelta(_ followed: Followed) -> Double? {
        guard let first = followed.start, let last = followed.latest else { return nil }
        return last.own - first.own
    }
}
