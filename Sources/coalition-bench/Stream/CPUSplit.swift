/// Where a stream's CPU went (issue 16: demux + transport + decode against ffmpeg), from two
/// windows measured the same way on the same fleet: an idle baseline (the fleet up, everyone
/// listed, no stream) and the stream itself. Pure: CPU seconds in, parts out.
///
/// A daemon's idle cost (membership, its heartbeats, Avahi's callbacks) runs with or without a
/// stream: its baseline rate times the wall seconds it lived in the stream's window. What a
/// daemon used above that is the stream's transport and control. Every part is CPU seconds over
/// the stream's window; ``perMediaSecond(_:)`` divides by the media's length.
struct CPUSplit: Equatable {
    /// What one host used over one window, CPU seconds.
    struct Host: Equatable {
        /// The host's cgroup: every process the lab started there, their children included.
        var cgroup = 0.0
        /// Per daemon (keyed by its name): its own CPU, its threads', not its children's.
        var daemons: [String: Double] = [:]
        /// Per daemon: the wall seconds it lived within the window, when less than the whole
        /// window (a daemon killed partway); absent for a daemon that lived through it.
        var daemonLifetimes: [String: Double] = [:]
        /// The daemons' children known as demux workers (`node worker demux`).
        var demuxWorkers = 0.0
        /// The daemons' children known as decode workers (`node worker decode`).
        var decodeWorkers = 0.0
        /// The daemons' children of another kind, or of no kind seen (one that lived and went
        /// between two looks).
        var otherChildren = 0.0
        /// The requester's `node request` (the CLI that receives the frames' hashes and writes
        /// the output).
        var requester = 0.0
        /// The host's avahi-daemon, outside the cgroup; nil when its pid is not known.
        var avahi: Double?
        /// The host's dbus-daemon (Avahi's bus), outside the cgroup; nil when its pid is not known.
        var dbus: Double?

        /// What the processes measured one by one used, of the cgroup's.
        var measuredInCgroup: Double {
            daemons.values.reduce(0, +) + demuxWorkers + decodeWorkers + otherChildren + requester
        }

        /// The cgroup's CPU that none of the processes measured one by one accounts for (the lab's
        /// own shell before it becomes the program, what a process used between the last look
        /// and its exit).
        var rest: Double { cgroup - measuredInCgroup }
    }

    /// One window: its wall seconds and what each host (keyed by its index) used.
    struct Window: Equatable {
        var seconds: Double
        var hosts: [Int: Host]

        /// The daemons' own CPU per wall second, in cores, every host.
        var daemonCores: Double { rate(hosts.values.reduce(0) { $0 + $1.daemons.values.reduce(0, +) }) }
        /// avahi-daemon's per wall second, in cores, every host.
        var avahiCores: Double { rate(hosts.values.reduce(0) { $0 + ($1.avahi ?? 0) }) }
        /// The hosts' cgroups' per wall second, in cores.
        var cgroupCores: Double { rate(hosts.values.reduce(0) { $0 + $1.cgroup }) }

        private func rate(_ cpu: Double) -> Double { seconds > 0 ? cpu / seconds : 0 }
    }

    /// The idle baseline, in consecutive windows (the benchmark takes two halves, so that a
    /// baseline still settling after the fleet's start shows as a drift between them).
    var baselineWindows: [Window]
    /// The stream's window.
    var streamWindow: Window
    /// Media seconds the stream carried.
    var mediaSeconds: Double

    /// Wall seconds of the idle baseline, its windows together.
    var baselineSeconds: Double { baselineWindows.reduce(0) { $0 + $1.seconds } }
    /// Wall seconds of the stream's window.
    var streamSeconds: Double { streamWindow.seconds }
    /// Per host: the stream.
    var stream: [Int: Host] { streamWindow.hosts }

    /// Per host: the idle baseline, its windows added up (a pid known in one window and not
    /// in another counts as unknown).
    var baseline: [Int: Host] {
        baselineWindows.dropFirst().reduce(baselineWindows.first?.hosts ?? [:]) { sum, window in
            sum.merging(window.hosts) { a, b in
                Host(
                    cgroup: a.cgroup + b.cgroup, daemons: a.daemons.merging(b.daemons, uniquingKeysWith: +),
                    demuxWorkers: a.demuxWorkers + b.demuxWorkers, decodeWorkers: a.decodeWorkers + b.decodeWorkers,
                    otherChildren: a.otherChildren + b.otherChildren, requester: a.requester + b.requester,
                    avahi: a.avahi.flatMap { x in b.avahi.map { x + $0 } }, dbus: a.dbus.flatMap { x in b.dbus.map { x + $0 } })
            }
        }
    }

    /// A baseline figure's rate (per wall second) times the stream's `seconds`.
    private func idle(_ cpu: Double, over seconds: Double) -> Double {
        baselineSeconds > 0 ? cpu / baselineSeconds * seconds : 0
    }

    /// The decode workers.
    var decode: Double { stream.values.reduce(0) { $0 + $1.decodeWorkers } }
    /// The demux workers.
    var demux: Double { stream.values.reduce(0) { $0 + $1.demuxWorkers } }
    /// The daemons' other children.
    var otherChildren: Double { stream.values.reduce(0) { $0 + $1.otherChildren } }
    /// The requester's `node request`.
    var requester: Double { stream.values.reduce(0) { $0 + $1.requester } }

    /// The daemons at their idle rate, each over the seconds it lived in the stream's window
    /// (a daemon absent from the baseline counts none).
    var daemonsIdle: Double {
        stream.reduce(0.0) { sum, entry in
            let (index, host) = entry
            return sum + host.daemons.keys.reduce(0.0) { sum, name in
                let rested = baseline[index]?.daemons[name] ?? 0
                return sum + idle(rested, over: host.daemonLifetimes[name] ?? streamSeconds)
            }
        }
    }

    /// The daemons above their idle rate: the stream's transport and control. Not clamped, so
    /// noise can make it negative.
    var transport: Double { stream.values.reduce(0) { $0 + $1.daemons.values.reduce(0, +) } - daemonsIdle }

    /// avahi-daemon over the stream, every host whose pid is known.
    var avahi: Double { stream.values.reduce(0) { $0 + ($1.avahi ?? 0) } }
    /// avahi-daemon at its idle rate over the stream's window.
    var avahiIdle: Double { idle(baseline.values.reduce(0) { $0 + ($1.avahi ?? 0) }, over: streamSeconds) }
    /// dbus-daemon over the stream.
    var dbus: Double { stream.values.reduce(0) { $0 + ($1.dbus ?? 0) } }
    /// dbus-daemon at its idle rate over the stream's window.
    var dbusIdle: Double { idle(baseline.values.reduce(0) { $0 + ($1.dbus ?? 0) }, over: streamSeconds) }

    /// The hosts' cgroups' CPU no process measured one by one accounts for, every host.
    var rest: Double { stream.values.reduce(0) { $0 + $1.rest } }
    /// The same at its idle rate.
    var restIdle: Double { idle(baseline.values.reduce(0) { $0 + $1.rest }, over: streamSeconds) }

    /// The hosts' cgroups over the stream.
    var cgroups: Double { stream.values.reduce(0) { $0 + $1.cgroup } }

    /// What the goal counts: decode + demux + transport, with the requester's CLI (the
    /// output, as ffmpeg's framemd5 writes its own).
    var goal: Double { decode + demux + transport + requester }

    /// Everything over the stream's window: the hosts' cgroups, avahi-daemon and dbus-daemon.
    /// The parts add up to it: goal + daemonsIdle + otherChildren + avahi + dbus + rest.
    var everything: Double { cgroups + avahi + dbus }

    /// `cpu` per media second.
    func perMediaSecond(_ cpu: Double) -> Double { mediaSeconds > 0 ? cpu / mediaSeconds : 0 }
}
