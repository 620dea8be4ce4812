import Testing

@testable import coalition_bench

@Suite("The stream benchmark's CPU split")
struct CPUSplitTests {
    /// A requester (host 1: its daemon, the demux worker, the CLI) and two members (hosts 2 and
    /// 3: daemons and decode workers), a 10 s baseline and a 40 s stream of 30 media seconds.
    private func split(lifetimeOfB3: Double? = nil) -> CPUSplit {
        let baseline1 = CPUSplit.Host(cgroup: 0.25, daemons: ["b1-1": 0.2], avahi: 0.05, dbus: 0.01)
        let baseline2 = CPUSplit.Host(cgroup: 0.3, daemons: ["b2-1": 0.3], avahi: 0.04, dbus: 0.02)
        let baseline3 = CPUSplit.Host(cgroup: 0.1, daemons: ["b3-1": 0.1], avahi: nil, dbus: 0.01)
        let stream1 = CPUSplit.Host(cgroup: 2.0, daemons: ["b1-1": 1.2], demuxWorkers: 0.3, requester: 0.4, avahi: 0.3, dbus: 0.05)
        var stream2 = CPUSplit.Host(cgroup: 5.0, daemons: ["b2-1": 1.5], decodeWorkers: 3.4, avahi: 0.2, dbus: 0.06)
        stream2.otherChildren = 0.05
        var stream3 = CPUSplit.Host(cgroup: 4.0, daemons: ["b3-1": 0.6], decodeWorkers: 3.3, avahi: nil, dbus: 0.04)
        if let lifetimeOfB3 { stream3.daemonLifetimes["b3-1"] = lifetimeOfB3 }
        return CPUSplit(
            baselineWindows: [CPUSplit.Window(seconds: 10, hosts: [1: baseline1, 2: baseline2, 3: baseline3])],
            streamWindow: CPUSplit.Window(seconds: 40, hosts: [1: stream1, 2: stream2, 3: stream3]), mediaSeconds: 30)
    }

    private func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }

    @Test("a daemon's idle cost is its baseline rate times the stream's window; the transport is what it used above")
    func idleAndTransport() {
        let parts = split()
        // Rates 0.02, 0.03 and 0.01 CPU s per s, over 40 s.
        #expect(close(parts.daemonsIdle, 0.8 + 1.2 + 0.4))
        #expect(close(parts.transport, (1.2 + 1.5 + 0.6) - 2.4))
        #expect(close(parts.decode, 6.7))
        #expect(close(parts.demux, 0.3))
        #expect(close(parts.requester, 0.4))
        #expect(close(parts.otherChildren, 0.05))
    }

    @Test("a daemon gone partway counts its idle rate only while it lived")
    func killedDaemon() {
        let parts = split(lifetimeOfB3: 12)
        #expect(close(parts.daemonsIdle, 0.8 + 1.2 + 0.01 * 12))
        #expect(close(parts.transport, 3.3 - parts.daemonsIdle))
    }

    @Test("the rest is each host's cgroup less the processes measured in it, and its idle rate is the baseline's")
    func rest() {
        let parts = split()
        #expect(close(parts.stream[1]!.rest, 2.0 - 1.2 - 0.3 - 0.4))
        #expect(close(parts.stream[2]!.rest, 5.0 - 1.5 - 3.4 - 0.05))
        #expect(close(parts.rest, 0.1 + 0.05 + 0.1))
        #expect(close(parts.restIdle, (0.05 + 0 + 0) / 10 * 40))
    }

    @Test("avahi and dbus count the hosts whose pids are known, at their rates too")
    func avahiAndDbus() {
        let parts = split()
        #expect(close(parts.avahi, 0.5))
        #expect(close(parts.avahiIdle, 0.09 / 10 * 40))
        #expect(close(parts.dbus, 0.15))
        #expect(close(parts.dbusIdle, 0.04 / 10 * 40))
    }

    @Test("the parts add up to everything, and the goal figure is decode + demux + transport + the CLI, per media second")
    func partsAddUp() {
        for parts in [split(), split(lifetimeOfB3: 12)] {
            let sum = parts.goal + parts.daemonsIdle + parts.otherChildren + parts.avahi + parts.dbus + parts.rest
            #expect(close(sum, parts.everything))
            #expect(close(parts.everything, 11.0 + 0.5 + 0.15))
            #expect(close(parts.goal, parts.decode + parts.demux + parts.transport + parts.requester))
            #expect(close(parts.perMediaSecond(parts.goal), parts.goal / 30))
        }
    }

    @Test("without a baseline window nothing counts as idle")
    func emptyBaseline() {
        var parts = split()
        parts.baselineWindows = []
        #expect(parts.daemonsIdle == 0)
        #expect(close(parts.transport, 3.3))
        #expect(parts.restIdle == 0)
    }

    @Test("a baseline in two windows adds up to one over both: its rates are over their seconds together")
    func twoBaselineWindows() {
        let one = split()
        var two = one
        let first = CPUSplit.Host(cgroup: 0.1, daemons: ["b1-1": 0.05], avahi: 0.02, dbus: 0.01)
        let second = CPUSplit.Host(cgroup: 0.15, daemons: ["b1-1": 0.15], avahi: 0.03, dbus: nil)
        var rest = one.baselineWindows[0].hosts
        rest[1] = nil
        two.baselineWindows = [
            CPUSplit.Window(seconds: 4, hosts: rest.mapValues { _ in CPUSplit.Host() }.merging([1: first]) { $1 }),
            CPUSplit.Window(seconds: 6, hosts: rest.merging([1: second]) { $1 }),
        ]
        #expect(two.baselineSeconds == 10)
        #expect(close(two.baseline[1]!.cgroup, 0.25))
        #expect(close(two.baseline[1]!.daemons["b1-1"]!, 0.2))
        #expect(close(two.baseline[1]!.avahi!, 0.05))
        #expect(two.baseline[1]!.dbus == nil)
        #expect(close(two.daemonsIdle, one.daemonsIdle))
        #expect(close(two.restIdle, one.restIdle))
        // Each window's own rates: the daemons at 0.05 / 4 and (0.15 + 0.3 + 0.1) / 6 cores.
        #expect(close(two.baselineWindows[0].daemonCores, 0.0125))
        #expect(close(two.baselineWindows[1].daemonCores, 0.55 / 6))
        #expect(close(two.baselineWindows[1].avahiCores, (0.03 + 0.04) / 6))
    }

    @Test("a daemon's children are told apart by their command lines")
    func childKinds() {
        #expect(DaemonChildKind(commandLine: ["/opt/node", "worker", "demux", "--input", "/c.mp4"]) == .demux)
        #expect(DaemonChildKind(commandLine: ["/proc/self/exe", "worker", "decode"]) == .decode)
        #expect(DaemonChildKind(commandLine: ["/opt/node", "worker", "profile"]) == .other)
        #expect(DaemonChildKind(commandLine: ["/opt/node", "worker"]) == .other)
        #expect(DaemonChildKind(commandLine: []) == .other)
    }
}
