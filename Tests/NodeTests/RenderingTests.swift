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

    @Test func theCancelsAMemberReceived_areShownOnceAnyCame() throws {
        let report = try decode(ServicesReport.self, #"""
            {"services":[],"reservations":[],"spareCores":0.5,"spareMemoryMiB":512,"queryDrops":{},
             "work":{"enforcement":{"enabled":true,"cgroupVersion":1,"unitsRun":true,"detail":"..."},"services":[],
                     "cancels":{"dropped":3,"stopped":1,"unknown":2,"refused":0}}}
            """#)
        #expect(Rendering.services(report).hasSuffix("""
            work for others: enforcement on (cgroup v1)
              unit cancels received: 3 dropped before decoding, 1 decodes stopped, 2 found nothing, 0 refused (another requester's unit)
            """))
        let none = try decode(ServicesReport.self, #"""
            {"services":[],"reservations":[],"spareCores":0.5,"spareMemoryMiB":512,"queryDrops":{},
             "work":{"enforcement":{"enabled":true,"cgroupVersion":1,"unitsRun":true,"detail":"..."},"services":[],
                     "cancels":{"dropped":0,"stopped":0,"unknown":0,"refused":0}}}
            """#)
        #expect(Rendering.services(none).hasSuffix("work for others: enforcement on (cgroup v1)"))
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

/// `node status`: one table of peers (DNS-SD and membership merged), the two views under `--verbose`.
@Suite struct StatusRenderingTests {
    private let document: StatusDocument = {
        func peer(_ name: String, _ id: String, _ address: String, lastSeen: Double) -> PeerSummary {
            PeerSummary(
                name: name, id: id, incarnation: 1, address: address, host: "\(name).local", cores: 4, memoryMiB: 3800,
                profile: "pi4", protocolVersion: 1, heartbeatPort: 7946, queryPort: 7947, firstSeenSecondsAgo: 60,
                lastSeenSecondsAgo: lastSeen)
        }
        let node = NodeSummary(
            name: "board-1", id: "00000000000000a1", incarnation: 1, cores: 4, memoryMiB: 3800, profile: "pi4",
            heartbeatPort: 7946, queryPort: 7947, published: true, uptimeSeconds: 60)
        let status = StatusReport(
            node: node, avahi: "running",
            peers: [peer("board-2", "00000000000000b2", "10.0.0.2", lastSeen: 40), peer("board-3", "00000000000000c3", "10.0.0.3", lastSeen: 2.5)])
        let membership = try! JSONDecoder().decode(MembershipReport.self, from: Data(#"""
            {"id":"00000000000000a1","incarnation":1,"healthScore":0,"monitors":["00000000000000b2"],"subjects":["00000000000000b2"],
             "peers":[{"id":"00000000000000b2","address":"10.0.0.2:7946","state":"alive","incarnation":3,"lastHeardMs":412,
                       "inStateMs":9000,"spareCores":1.25,"memoryAvailableMiB":2100,"watched":true},
                      {"id":"00000000000000d4","address":"10.0.0.4:7946","state":"dead","incarnation":2,"inStateMs":100,"watched":false}],
             "datagramsSent":10,"bytesSent":900,"datagramsReceived":8,"bytesReceived":700,"drops":{}}
            """#.utf8))
        let services = try! JSONDecoder().decode(ServicesReport.self, from: Data(#"""
            {"services":[],"reservations":[],"spareCores":0.5,"spareMemoryMiB":512,"queryDrops":{}}
            """#.utf8))
        return StatusDocument(status: status, services: services, membership: membership)
    }()

    @Test func statusIsOnePeerTable_thenTheMembershipLine_thenTheServices() {
        #expect(Rendering.status(document, verbose: false) == """
            node board-1 (00000000000000a1), 4 cores, 3800 MiB, profile pi4; avahi running, published; 2 peers announced

            NAME     ID                ADDRESS        STATE       LAST HEARD  SPARE CPU   SPARE MEM  PROFILE
            board-2  00000000000000b2  10.0.0.2:7946  alive       0.4 s ago   1.25 cores  2100 MiB   pi4
            board-3  00000000000000c3  10.0.0.3:7946  discovered  2.5 s ago   -           -          pi4
            -        00000000000000d4  10.0.0.4:7946  dead        never       -           -          -

            membership: incarnation 1, health ok, sent 10 datagrams / 900 B, received 8 / 700 B

            lending 0.50 cores, 512 MiB
            no services requested here
            """)
    }

    @Test func verboseAddsTheMembershipAndDNSSDViews() {
        let verbose = Rendering.status(document, verbose: true)
        #expect(verbose.hasPrefix(Rendering.status(document.status) + "\n\n" + Rendering.peers(document.peerRows).joined(separator: "\n")))
        #expect(verbose.contains("""
            membership: incarnation 1, health ok, sent 10 datagrams / 900 B, received 8 / 700 B
            PEER              ADDRESS        STATE  LAST HEARD  SPARE CPU   MEM AVAILABLE  WATCHED
            00000000000000b2  10.0.0.2:7946  alive  412 ms      1.25 cores  2100 MiB       yes
            00000000000000d4  10.0.0.4:7946  dead   never       -           -
            """))
        #expect(verbose.contains("""
            dns-sd:
            NAME     ID                ADDRESS   HOST           CORES  MEMORY    PROFILE  PORTS      LAST SEEN
            board-2  00000000000000b2  10.0.0.2  board-2.local  4      3800 MiB  pi4      7946/7947  40 s ago
            board-3  00000000000000c3  10.0.0.3  board-3.local  4      3800 MiB  pi4      7946/7947  2.5 s ago
            """))
        #expect(verbose.hasSuffix("lending 0.50 cores, 512 MiB\nno services requested here"))
    }

    @Test func aNodeAloneShowsNoTable() {
        let alone = StatusDocument(
            status: StatusReport(node: document.status.node, avahi: "unavailable", peers: []), services: nil, membership: nil)
        #expect(Rendering.status(alone, verbose: false)
            == "node board-1 (00000000000000a1), 4 cores, 3800 MiB, profile pi4; avahi unavailable, published; 0 peers announced")
        #expect(Rendering.status(alone, verbose: true).hasSuffix("\n\ndns-sd: no peer announced"))
    }

    @Test func agesReadAsHeartbeatsUnderTenSeconds() {
        #expect([0.01, 0.412, 9.94, 12, 150, 9000].map(Rendering.ago) == ["just now", "0.4 s ago", "9.9 s ago", "12 s ago", "2 min ago", "2 h ago"])
    }
}
