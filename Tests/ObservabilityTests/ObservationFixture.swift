import Coalition
import Foundation
import MembershipCore

/// A daemon's observation as `node status --json` would print it for a node holding one
/// reservation, requesting one service, and seeing three peers (one suspect, one dead), with a
/// name that needs escaping in a label value.
enum ObservationFixture {
    static let statusJSON = #"""
        {"self":{"name":"board \"7\" \\ west","id":"00000000c0a10001","incarnation":1764700000000,"cores":4,"memoryMiB":3906,
          "profile":"rpi4","heartbeatPort":7946,"queryPort":7947,"published":true,"uptimeSeconds":12.5},
         "avahi":"running",
         "peers":[{"name":"board-2","id":"00000000c0a10002","incarnation":1,"address":"10.77.0.2","host":"h2.local","cores":4,
           "memoryMiB":3906,"profile":"rpi4","protocolVersion":1,"heartbeatPort":7946,"queryPort":7947,"firstSeenSecondsAgo":10,
           "lastSeenSecondsAgo":0.1}],
         "services":{"services":[{"id":"00000000c0a10001/1","ladder":["video-hd","video-sd"],"streams":1,"phase":"serving",
           "level":"video-hd","members":[{"peer":"00000000c0a10002","share":0.6},{"peer":"00000000c0a10003","share":0.5}]}],
           "reservations":[{"service":"00000000c0a10002/4","requester":"00000000c0a10002","level":"video-sd","share":0.4,
             "cpuCores":0.35,"memoryMiB":64}],
           "spareCores":1.75,"spareMemoryMiB":2048,"queryDrops":{"badTag":2},
           "work":{"enforcement":{"enabled":true,"cgroupVersion":1,"unitsRun":true,"detail":"/sys/fs/cgroup/cpu/coalition"},
             "services":[{"service":"00000000c0a10002/4","workers":1,"busy":0,"workerPids":[4242],"unitsDecoded":31,"unitsFailed":1,
               "workersStarted":1,"workersDied":0,"workersTimedOut":0,"cgroup":["/sys/fs/cgroup/cpu/coalition/x"],"cpuLimitCores":0.35,
               "cpuSeconds":9.5,"periods":300,"throttledPeriods":12,"throttledSeconds":0.42,"memoryBytes":52428800}]}},
         "membership":{"id":"00000000c0a10001","incarnation":1764700000000,"healthScore":0,"monitors":["00000000c0a10002"],
           "subjects":["00000000c0a10002"],
           "peers":[{"id":"00000000c0a10002","address":"10.77.0.2:7946","state":"alive","incarnation":1,"lastHeardMs":40,"inStateMs":9000,
               "spareCores":1.5,"memoryAvailableMiB":2000,"watched":true},
             {"id":"00000000c0a10003","address":"10.77.0.3:7946","state":"suspect","incarnation":1,"lastHeardMs":420,"inStateMs":50,
               "watched":true},
             {"id":"00000000c0a10004","address":"10.77.0.4:7946","state":"dead","incarnation":1,"inStateMs":3000,"watched":false}],
           "datagramsSent":120,"bytesSent":9000,"datagramsReceived":118,"bytesReceived":8800,"drops":{"badTag":3,"unknownSender":1}}}
        """#

    static func observation() throws -> DaemonObservation {
        var counters = MembershipCounters()
        counters.heartbeatsSent = 100
        counters.heartbeatsReceived = 98
        counters.suspicions = 2
        counters.suspicionsRefuted = 1
        counters.deathsDeclared = 1
        counters.detection.observe(.milliseconds(640))
        var timings = ServiceTimings()
        timings.formation.observe(seconds: 0.012)
        timings.rebuild.observe(seconds: 0.31)
        timings.events[.formed] = 1
        timings.events[.memberLost] = 1
        timings.events[.rebuilt] = 1
        return DaemonObservation(
            status: try StatusDocument(json: statusJSON), membershipCounters: counters, serviceTimings: timings,
            events: [
                JournalEntry(atMillis: 1_764_700_000_000, source: .membership, kind: "suspect", subject: "00000000c0a10003", message: "suspect"),
                JournalEntry(atMillis: 1_764_700_000_500, source: .membership, kind: "dead", subject: "00000000c0a10004", message: "dead"),
            ])
    }
}
