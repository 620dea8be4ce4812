import Coalition
import Foundation
import Testing

@testable import node

/// What people read: the daemon's data, as `node` renders it (golden texts).
@Suite struct RenderingTests {
    private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    private let membershipJSON = #"""
        {"id":"00000000000000a1","incarnation":3,"healthScore":0,"monitors":["00000000000000b2"],"subjects":["00000000000000b2"],
         "peers":[{"id":"00000000000000b2","address":"10.0.0.2:7946","state":"suspect","incarnation":1,"lastHeardMs":412,
                   "inStateMs":90,"spareCores":1.5,"memoryAvailableMiB":800,"watched":true},
                  {"id":"00000000000000c3","address":"10.0.0.3:7946","state":"alive","incarnation":2,"inStateMs":5,"watched":false}],
         "datagramsSent":10,"bytesSent":900,"datagramsReceived":8,"bytesReceived":700,"drops":{"badTag":2}}
        """#

    @Test func membershipIsASummaryLineThenOneRowPerPeer() throws {
        let report = try decode(MembershipReport.self, membershipJSON)
        #expect(report.peers.map(\.state) == [.suspect, .alive])
        #expect(Rendering.membership(report) == """
            membership: incarnation 3, health ok, sent 10 datagrams / 900 B, received 8 / 700 B, dropped badTag 2
            PEER              ADDRESS        STATE    LAST HEARD  SPARE CPU   MEM AVAILABLE  WATCHED
            00000000000000b2  10.0.0.2:7946  suspect  412 ms      1.50 cores  800 MiB        yes
            00000000000000c3  10.0.0.3:7946  alive    never       -           -
            """)
    }

    @Test func aMembershipChangeIsOneLineInUTC() throws {
        let change = try decode(
            MembershipChangeReport.self,
            #"{"id":"00000000000000b2","kind":"dead","incarnation":1,"reason":"no answer to probes for 300 ms","timeMs":43384512}"#)
        #expect(change.kind == .dead)
        #expect(Rendering.change(change) == "12:03:04.512 dead 00000000000000b2 incarnation 1 (no answer to probes for 300 ms)")
    }

    private let servedJSON = #"""
        {"service":{"id":"31901bd4/1","ladder":["HD+high","SD+high"],"streams":1,"phase":"serving","level":"SD+high",
                    "members":[{"peer":"b15ad9b0","share":1},{"peer":"313c5227","share":0.5}]},
         "event":{"service":"31901bd4/1","kind":"degraded","level":"SD+high","from":"HD+high","members":[],"atMillis":0,"message":"degraded"}}
        """#

    @Test func aDegradedAnswerSaysSoAndNamesItsMembers() throws {
        let answer = try decode(ServiceRequestAnswer.self, servedJSON)
        #expect(Rendering.answer(answer) == "service 31901bd4/1: degraded to SD+high x1 with b15ad9b0 100%, 313c5227 50%")
    }

    @Test func anUnservedAnswerGivesItsReason() throws {
        let answer = try decode(
            ServiceRequestAnswer.self,
            #"{"service":{"id":"s2","ladder":["FHD"],"streams":2,"phase":"unserved","level":"FHD","members":[],"reason":"cannot serve 2 stream(s) of FHD"}}"#)
        #expect(answer.service.phase == .unserved)
        #expect(Rendering.answer(answer) == "service s2: cannot serve 2 stream(s) of FHD")
    }

    @Test func theServicesTableListsServicesReservationsAndDrops() throws {
        let report = try decode(ServicesReport.self, #"""
            {"services":[{"id":"s1","ladder":["HD"],"streams":1,"phase":"rebuilding","level":"HD","members":[{"peer":"b1","share":0.25}]}],
             "reservations":[{"service":"s9","requester":"a1","level":"SD","share":0.5,"cpuCores":0.75,"memoryMiB":64}],
             "spareCores":1.25,"spareMemoryMiB":512,"queryDrops":{"badTag":1}}
            """#)
        #expect(Rendering.services(report) == """
            lending 1.25 cores, 512 MiB
            services requested here:
              s1  rebuilding  HD x1  b1 25%
            reservations held here:
              s9 for a1: SD share 0.50 (0.75 cores, 64 MiB)
            query port dropped: badTag 1
            """)
    }

    @Test func theWorkDoneHere_showsEnforcementAndPerServiceFigures() throws {
        let report = try decode(ServicesReport.self, #"""
            {"services":[],"reservations":[],"spareCores":0.5,"spareMemoryMiB":512,"queryDrops":{},
             "work":{"enforcement":{"enabled":true,"cgroupVersion":1,"unitsRun":true,"detail":"..."},
                     "services":[{"service":"a1/1","workers":1,"busy":1,"workerPids":[42],"unitsDecoded":6,"unitsFailed":1,
                                  "workersStarted":2,"workersDied":1,"workersTimedOut":0,"cgroup":["/sys/fs/cgroup/cpu/x"],
                                  "cpuLimitCores":0.13,"cpuSeconds":0.66,"periods":52,"throttledPeriods":51,"throttledSeconds":4.0,
                                  "memoryBytes":15728640,"memoryPeakBytes":19922944,"memoryLimitBytes":66060288,"oomKills":0}]}}
            """#)
        #expect(Rendering.services(report) == """
            lending 0.50 cores, 512 MiB
            no services requested here
            work for others: enforcement on (cgroup v1)
              SERVICE  WORKERS     DECODED  FAILED  CPU USED  CPU LIMIT   THROTTLED      MEM NOW/PEAK/LIMIT  OOM KILLS
              a1/1     1 (1 busy)  6        1       0.66 s    0.13 cores  51/52, 4.00 s  15/19/63 MiB        0
            """)
        let off = try decode(ServicesReport.self, #"""
            {"services":[],"reservations":[],"spareCores":0.5,"spareMemoryMiB":512,"queryDrops":{},
             "work":{"enforcement":{"enabled":false,"unitsRun":false,"detail":"cannot create service cgroups: permission denied"},"services":[]}}
            """#)
        #expect(Rendering.services(off).hasSuffix("work for others: enforcement OFF, units refused: cannot create service cgroups: permission denied"))
    }

    @Test func statusJSONDecodesBackIntoTheSharedTypes() throws {
        let node = NodeSummary(
            name: "board-1", id: "00000000000000a1", incarnation: 1, cores: 4, memoryMiB: 1024, profile: "none",
            heartbeatPort: 7946, queryPort: 7947, published: true, uptimeSeconds: 3)
        let status = StatusReport(node: node, avahi: "running", peers: [], authentication: .insecure)
        let printed = StatusDocument(
            status: status, services: nil, membership: try decode(MembershipReport.self, membershipJSON))
        let json = ServiceOutput.json(printed)
        #expect(json.contains(#""self":{"#) && json.contains(#""authentication":{"#) && json.contains(#""state":"suspect""#))
        let read = try decode(StatusDocument.self, json)
        #expect(read.status == status && read.membership == printed.membership && read.services == nil)
    }
}
