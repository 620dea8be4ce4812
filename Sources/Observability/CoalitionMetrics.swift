import Coalition
import MembershipCore
import ServiceCore

/// The daemon's state as Prometheus metric families (what `/metrics` serves). Every family has
/// the `coalition_` prefix, base units (seconds, bytes; CPU in cores, as node_exporter's
/// `_cpu_` gauges) and `_total` on counters. Labels with a fixed vocabulary (states, phases,
/// drop reasons) list every value, zeros included, so a rate never starts from nothing.
public enum CoalitionMetrics {
    /// The families of `observation`, in a fixed order.
    public static func families(_ observation: DaemonObservation) -> [MetricFamily] {
        var families: [MetricFamily] = []
        let status = observation.status
        let counters = observation.membershipCounters

        families.append(
            MetricFamily(
                name: "coalition_node_info", help: "This node: its id, name and capability profile (always 1).", kind: .gauge,
                samples: [.init([("id", status.status.node.id), ("name", status.status.node.name), ("profile", status.status.node.profile)], 1)]))
        families.append(
            MetricFamily(
                name: "coalition_uptime_seconds", help: "Seconds since the daemon started.", kind: .gauge,
                samples: [.init([], status.status.node.uptimeSeconds)]))

        // Membership.
        let peers = status.membership?.peers ?? []
        families.append(
            MetricFamily(
                name: "coalition_members", help: "Members known to this node, by state in its view (this node excluded).",
                kind: .gauge,
                samples: [MemberState.alive, .suspect, .dead, .left].map { state in
                    .init([("state", state.rawValue)], Double(peers.filter { $0.state == state }.count))
                }))
        families.append(counter("coalition_heartbeats_sent_total", "Heartbeats sent to this node's monitors.", counters.heartbeatsSent))
        families.append(counter("coalition_heartbeats_received_total", "Heartbeats received from admitted members.", counters.heartbeatsReceived))
        if let membership = status.membership {
            families.append(counter("coalition_membership_datagrams_sent_total", "Datagrams sent on the heartbeat socket.", membership.datagramsSent))
            families.append(counter("coalition_membership_datagrams_received_total", "Datagrams received on the heartbeat socket.", membership.datagramsReceived))
            families.append(counter("coalition_membership_sent_bytes_total", "UDP payload bytes sent on the heartbeat socket.", membership.bytesSent))
            families.append(counter("coalition_membership_received_bytes_total", "UDP payload bytes received on the heartbeat socket.", membership.bytesReceived))
            families.append(drops("coalition_membership_dropped_frames_total", "Frames dropped on the heartbeat socket, by reason.", membership.drops))
        }
        if let services = status.services {
            families.append(drops("coalition_query_dropped_frames_total", "Frames dropped on the query port, by reason.", services.queryDrops))
        }
        families.append(counter("coalition_suspicions_total", "Members this node began to suspect (silent beyond their bound).", counters.suspicions))
        families.append(counter("coalition_suspicions_refuted_total", "Suspicions cleared because the member answered.", counters.suspicionsRefuted))
        families.append(counter("coalition_refutations_total", "Declarations of this node's own death it refuted.", counters.refutations))
        families.append(
            MetricFamily(
                name: "coalition_deaths_declared_total",
                help: "Members declared dead: by this node (by=\"self\") or accepted from another member's declaration (by=\"peer\").",
                kind: .counter,
                samples: [.init([("by", "self")], Double(counters.deathsDeclared)), .init([("by", "peer")], Double(counters.deathsLearned))]))
        families.append(
            MetricFamily(
                name: "coalition_failure_detection_seconds",
                help: "From the last message heard of a member to this node declaring it dead.", kind: .histogram,
                samples: [.init(histogram: counters.detection)]))

        // Services requested here.
        let summaries = status.services?.services ?? []
        families.append(
            MetricFamily(
                name: "coalition_services", help: "Services requested from this node, by phase.", kind: .gauge,
                samples: ServicePhase.Name.allCases.map { phase in
                    .init([("phase", phase.rawValue)], Double(summaries.filter { $0.phase == phase }.count))
                }))
        families.append(
            MetricFamily(
                name: "coalition_service_events_total", help: "Events of the services requested here, by kind.", kind: .counter,
                samples: ServiceEvent.Kind.allCases.map { kind in
                    .init([("kind", kind.rawValue)], Double(observation.serviceTimings.events[kind] ?? 0))
                }))
        families.append(
            MetricFamily(
                name: "coalition_service_formation_seconds",
                help: "From a service request to its first formation's outcome (formed, degraded or unserved).", kind: .histogram,
                samples: [.init(histogram: observation.serviceTimings.formation)]))
        families.append(
            MetricFamily(
                name: "coalition_service_rebuild_seconds",
                help: "From a member's loss being known to its service serving again.", kind: .histogram,
                samples: [.init(histogram: observation.serviceTimings.rebuild)]))

        // What this node lends.
        let reservations = status.services?.reservations ?? []
        families.append(gauge("coalition_reservations_held", "Reservations this node holds for requesters.", Double(reservations.count)))
        families.append(
            gauge("coalition_lent_cpu_cores", "CPU reserved here for others' services, in cores (with headroom).",
                reservations.reduce(0) { $0 + $1.cpuCores }))
        families.append(
            gauge("coalition_lent_memory_bytes", "Memory reserved here for others' services, in bytes.",
                Double(reservations.reduce(UInt64(0)) { $0 + $1.memoryMiB } << 20)))
        if let services = status.services {
            families.append(gauge("coalition_spare_cpu_cores", "CPU this node can lend now, in cores.", services.spareCores))
            families.append(gauge("coalition_spare_memory_bytes", "Memory this node can lend now, in bytes.", Double(services.spareMemoryMiB << 20)))
        }

        // Streams requested here (the requester's view of units and frames).
        let streams = status.services?.streams ?? []
        func perStream(_ name: String, _ help: String, _ kind: MetricFamily.Kind, _ value: (StreamStatus) -> Int) -> MetricFamily {
            MetricFamily(name: name, help: help, kind: kind, samples: streams.map { .init([("service", $0.service)], Double(value($0))) })
        }
        families.append(perStream("coalition_stream_units_done_total", "Units of streams requested here whose results arrived.", .counter) { $0.report.units.done })
        families.append(perStream("coalition_stream_units_in_flight", "Units of streams requested here sent and not yet answered.", .gauge) { $0.report.units.inFlight })
        families.append(perStream("coalition_stream_units_redispatched_total", "Units sent again to another member after a loss or a stall.", .counter) { $0.report.units.redispatched })
        families.append(perStream("coalition_stream_units_lost_total", "Units given up.", .counter) { $0.report.units.lost })
        families.append(
            MetricFamily(
                name: "coalition_stream_frames_total",
                help: "Frames of streams requested here, by outcome: before their deadline, after it, or never delivered.",
                kind: .counter,
                samples: streams.flatMap { stream in
                    [("on_time", stream.report.frames.onTime), ("late", stream.report.frames.late), ("lost", stream.report.frames.lost)].map {
                        .init([("service", stream.service), ("outcome", $0.0)], Double($0.1))
                    }
                }))

        // Work done here for others (the member's view, in the services' cgroups).
        let held = status.services?.work?.services ?? []
        func perHeld(_ name: String, _ help: String, _ kind: MetricFamily.Kind, _ value: (HeldServiceWorkRecord) -> Double?) -> MetricFamily {
            MetricFamily(
                name: name, help: help, kind: kind,
                samples: held.compactMap { record in value(record).map { .init([("service", record.service)], $0) } })
        }
        families.append(perHeld("coalition_work_units_decoded_total", "Units decoded here for a service.", .counter) { Double($0.unitsDecoded) })
        families.append(perHeld("coalition_work_units_failed_total", "Units that failed here.", .counter) { Double($0.unitsFailed) })
        families.append(
            perHeld("coalition_work_units_cancelled_total", "Units their requester cancelled here (dropped or stopped).", .counter) {
                $0.unitsCancelled.map(Double.init)
            })
        families.append(perHeld("coalition_work_workers", "Decode worker processes alive for a service.", .gauge) { Double($0.workers) })
        families.append(perHeld("coalition_work_cpu_seconds_total", "CPU time of a service's workers in its cgroup.", .counter) { $0.cpuSeconds })
        families.append(
            perHeld("coalition_work_throttled_seconds_total", "Time a service's workers were throttled by its cgroup's CPU limit.", .counter) {
                $0.throttledSeconds
            })
        families.append(
            perHeld("coalition_work_throttled_periods_total", "CFS periods in which a service's cgroup ran out of quota.", .counter) {
                $0.throttledPeriods.map(Double.init)
            })
        families.append(perHeld("coalition_work_memory_bytes", "Memory charged to a service's cgroup now.", .gauge) { $0.memoryBytes.map(Double.init) })
        return families
    }

    private static func counter(_ name: String, _ help: String, _ value: Int) -> MetricFamily {
        MetricFamily(name: name, help: help, kind: .counter, samples: [.init([], Double(value))])
    }

    private static func gauge(_ name: String, _ help: String, _ value: Double) -> MetricFamily {
        MetricFamily(name: name, help: help, kind: .gauge, samples: [.init([], value)])
    }

    /// Every drop reason, zeros included, plus any reason this build does not know.
    private static func drops(_ name: String, _ help: String, _ counts: [String: Int]) -> MetricFamily {
        let known = WireDropReason.allCases.map(\.rawValue)
        let reasons = known + counts.keys.filter { !known.contains($0) }.sorted()
        return MetricFamily(
            name: name, help: help, kind: .counter, samples: reasons.map { .init([("reason", $0)], Double(counts[$0] ?? 0)) })
    }
}
