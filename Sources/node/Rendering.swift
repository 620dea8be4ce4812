import Coalition
import Foundation

/// Every human form of the daemon's answers: the daemon sends data (the `Codable` results of
/// `ControlCalls.swift`), and `node` renders it here, nowhere else. `--json` prints the data.
enum Rendering {
    // MARK: status

    /// All of `node status`: this node, one row per peer (``PeerRow``), the membership socket's
    /// traffic, then the services. `verbose` adds the two views the peer table merges: the DNS-SD
    /// table and the membership table, as the daemon reports them.
    static func status(_ document: StatusDocument, verbose: Bool) -> String {
        var sections = [status(document.status)]
        let rows = document.peerRows
        if !rows.isEmpty { sections.append(peers(rows).joined(separator: "\n")) }
        if let membership = document.membership {
            sections.append(verbose ? self.membership(membership) : membershipSummary(membership))
        }
        if verbose { sections.append(discovery(document.status)) }
        if let services = document.services { sections.append(self.services(services)) }
        return sections.joined(separator: "\n\n")
    }

    /// This node and its authentication: the first lines of `node status`.
    static func status(_ report: StatusReport) -> String {
        let me = report.node
        var lines = [
            "node \(me.name) (\(me.id)), \(me.cores) cores, \(me.memoryMiB) MiB, profile \(me.profile); "
                + "avahi \(report.avahi), \(me.published ? "published" : "not published"); "
                + "\(report.peers.count) peer\(report.peers.count == 1 ? "" : "s") announced"
        ]
        if let authentication = report.authentication {
            lines.append("authentication: \(authentication.summary)")
            if let failure = authentication.lastReloadError {
                lines.append("  the last re-read of the key file failed (these keys stayed in force): \(failure)")
            }
        }
        if let refused = report.refusedRecords, !refused.isEmpty {
            lines.append(
                "dns-sd: refused records (not admitted): "
                    + refused.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// The one peer table: a row per peer, DNS-SD and membership merged.
    static func peers(_ rows: [PeerRow]) -> [String] {
        table(
            ["NAME", "ID", "ADDRESS", "STATE", "LAST HEARD", "SPARE CPU", "SPARE MEM", "PROFILE"],
            rows.map { row -> [String] in
                let heard: String = row.lastHeardSeconds.map(ago) ?? "never"
                let cpu: String = row.spareCores.map { String(format: "%.2f cores", $0) } ?? "-"
                let memory: String = row.spareMemoryMiB.map { "\($0) MiB" } ?? "-"
                return [row.name ?? "-", row.id, row.address, row.state.description, heard, cpu, memory, row.profile ?? "-"]
            })
    }

    /// The DNS-SD view (`--verbose`): every announced peer as its TXT record describes it.
    static func discovery(_ report: StatusReport) -> String {
        guard !report.peers.isEmpty else { return "dns-sd: no peer announced" }
        return (["dns-sd:"]
            + table(
                ["NAME", "ID", "ADDRESS", "HOST", "CORES", "MEMORY", "PROFILE", "PORTS", "LAST SEEN"],
                report.peers.map {
                    [
                        $0.name, $0.id, $0.address, $0.host, "\($0.cores)", "\($0.memoryMiB) MiB", $0.profile,
                        "\($0.heartbeatPort)/\($0.queryPort)", ago($0.lastSeenSecondsAgo),
                    ]
                })).joined(separator: "\n")
    }

    /// `just now`, `12 s ago`, `3 min ago`, `2 h ago`; under 10 s with tenths (`0.4 s ago`), so a
    /// heartbeat's age reads as one.
    static func ago(_ seconds: Double) -> String {
        switch seconds {
        case ..<0.05: "just now"
        case ..<10: String(format: "%.1f s ago", seconds)
        case ..<120: "\(Int(seconds)) s ago"
        case ..<7200: "\(Int(seconds / 60)) min ago"
        default: "\(Int(seconds / 3600)) h ago"
        }
    }

    // MARK: membership

    /// The membership summary line: our incarnation, our health, the socket's traffic and drops.
    static func membershipSummary(_ report: MembershipReport) -> String {
        let health = report.healthScore == 0 ? "ok" : "late ticks lately (score \(report.healthScore))"
        let drops = report.drops.isEmpty
            ? "" : ", dropped " + report.drops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "membership: incarnation \(report.incarnation), health \(health), "
            + "sent \(report.datagramsSent) datagrams / \(report.bytesSent) B, received \(report.datagramsReceived) / \(report.bytesReceived) B"
            + drops
    }

    /// The membership view (`--verbose`): the summary line, then one line per peer.
    static func membership(_ report: MembershipReport) -> String {
        let summary = membershipSummary(report)
        guard !report.peers.isEmpty else { return summary }
        let rows = report.peers.map { p in
            [
                p.id, p.address, p.state.rawValue, p.lastHeardMs.map { "\($0) ms" } ?? "never",
                p.spareCores.map { String(format: "%.2f cores", $0) } ?? "-",
                p.memoryAvailableMiB.map { "\($0) MiB" } ?? "-", p.watched ? "yes" : "",
            ]
        }
        return ([summary] + table(["PEER", "ADDRESS", "STATE", "LAST HEARD", "SPARE CPU", "MEM AVAILABLE", "WATCHED"], rows))
            .joined(separator: "\n")
    }

    /// `12:03:04.512 dead 1f2e... incarnation 3 (no answer to probes for 300 ms)`, in UTC.
    static func change(_ change: MembershipChangeReport) -> String {
        "\(clock(millis: change.timeMs, utc: true)) \(change.kind) \(change.id) incarnation \(change.incarnation) (\(change.reason))"
    }

    // MARK: services

    /// The first answer of `node request`.
    static func answer(_ answer: ServiceRequestAnswer) -> String {
        let service = answer.service
        switch service.phase {
        case .unserved:
            return "service \(service.id): \(service.reason ?? "cannot serve")"
        case .forming, .rebuilding:
            return "service \(service.id): still forming at \(service.level) (watch it with `node status`)"
        case .serving, .released:
            let what = answer.event?.kind == .degraded ? "degraded to \(service.level)" : "serving \(service.level)"
            return "service \(service.id): \(what) x\(service.streams) with \(members(service.members))"
        }
    }

    /// One service event, in local time: `20:26:27.216 31901bd4/1 rebuilt: rebuilt at HD+high with ...`.
    static func event(_ event: ServiceEventRecord) -> String {
        "\(clock(millis: event.atMillis, utc: false)) \(event.service) \(event.kind): \(event.message)"
    }

    /// What `node release` prints: `service 31901bd4/1: released`.
    static func released(_ summary: ServiceSummary) -> String {
        "service \(summary.id): \(summary.phase)"
    }

    /// What this node lends, the services requested here and the reservations held here.
    static func services(_ report: ServicesReport) -> String {
        var lines = [String(format: "lending %.2f cores, %d MiB", report.spareCores, report.spareMemoryMiB)]
        if report.services.isEmpty {
            lines.append("no services requested here")
        } else {
            lines.append("services requested here:")
            for service in report.services {
                var line = "  \(service.id)  \(service.phase)  \(service.level) x\(service.streams)  \(members(service.members))"
                if let reason = service.reason { line += "  (\(reason))" }
                lines.append(line)
            }
        }
        for stream in report.streams ?? [] {
            lines.append(streamLine(stream))
        }
        if !report.reservations.isEmpty {
            lines.append("reservations held here:")
            for held in report.reservations {
                let figures = String(format: "share %.2f (%.2f cores, ", held.share, held.cpuCores)
                lines.append("  \(held.service) for \(held.requester): \(held.level) \(figures)\(held.memoryMiB) MiB)")
            }
        }
        if let work = report.work { lines += self.work(work) }
        if !report.queryDrops.isEmpty {
            let counts = report.queryDrops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            lines.append("query port dropped: " + counts.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// A running stream: its units and frames so far, then per member its reserved share against
    /// its measured throughput (stream-seconds decoded per second busy), and its estimated CPU
    /// per media second (decode + hash) against what it measured.
    static func streamLine(_ stream: StreamStatus) -> String {
        let r = stream.report
        var text = "  stream \(stream.service): units \(r.units.done) done, \(r.units.inFlight) in flight, \(r.units.redispatched) re-dispatched; "
            + "frames \(r.frames.delivered) decoded, \(r.frames.late) late, \(r.frames.lost) lost"
        for member in r.members {
            text += String(format: "\n    %@  share %.2f  measured %.2f  units %d  cpu %.1f s", member.member, member.reservedShare, member.throughput, member.unitsDone, member.cpuSeconds)
            if let estimate = member.estimate {
                text += "\n      CPU s per media s: " + estimate.against(measured: member.measuredCPUPerMediaSecond)
            }
        }
        return text
    }

    /// Whether lent work is enforced, then per service held here its workers, units and cgroup
    /// use, then (once any came) what the unit cancels received found.
    static func work(_ report: MemberWorkReport) -> [String] {
        let lines = ["work for others: enforcement \(report.enforcement.summary)"]
        var cancels: [String] = []
        if let counts = report.cancels, counts != UnitCancelCounts() {
            cancels = [
                "  unit cancels received: \(counts.dropped) dropped before decoding, \(counts.stopped) decodes stopped, "
                    + "\(counts.unknown) found nothing, \(counts.refused) refused (another requester's unit)"
            ]
        }
        guard !report.services.isEmpty else { return lines + cancels }
        let rows = report.services.map { s -> [String] in
            let workers = "\(s.workers)" + (s.busy > 0 ? " (\(s.busy) busy)" : "")
            let used = s.cpuSeconds.map { String(format: "%.2f s", $0) } ?? "-"
            let limit = s.cpuLimitCores.map { String(format: "%.2f cores", $0) } ?? "unlimited"
            var throttled = "-"
            if let periods = s.throttledPeriods {
                throttled = "\(periods)/\(s.periods ?? 0), " + String(format: "%.2f s", s.throttledSeconds ?? 0)
            }
            var memory = "-"
            if let now = s.memoryBytes {
                let peak: UInt64 = (s.memoryPeakBytes ?? now) >> 20
                let cap: String = s.memoryLimitBytes.map { String($0 >> 20) } ?? "-"
                memory = "\(now >> 20)/\(peak)/\(cap) MiB"
            }
            let oom: String = s.oomKills.map { String($0) } ?? "-"
            return [s.service, workers, String(s.unitsDecoded), String(s.unitsFailed), used, limit, throttled, memory, oom]
        }
        return lines + table(["SERVICE", "WORKERS", "DECODED", "FAILED", "CPU USED", "CPU LIMIT", "THROTTLED", "MEM NOW/PEAK/LIMIT", "OOM KILLS"], rows)
            .map { "  " + $0 } + cancels
    }

    /// `b15ad9b0 100%, 313c5227 50%`.
    static func members(_ members: [MemberShareRecord]) -> String {
        members.map { "\($0.peer) \(Int(($0.share * 100).rounded()))%" }.joined(separator: ", ")
    }

    // MARK: shared

    /// A header and rows in columns two spaces apart, trailing spaces trimmed.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return [line(header)] + rows.map(line)
    }

    /// `HH:mm:ss.SSS` of a time in milliseconds since 1970, in UTC or local time.
    static func clock(millis: Int64, utc: Bool) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc ? TimeZone(identifier: "UTC")! : .current
        let c = calendar.dateComponents([.hour, .minute, .second], from: Date(timeIntervalSince1970: Double(millis) / 1000))
        let milliseconds = Int(((millis % 1000) + 1000) % 1000)
        return String(format: "%02d:%02d:%02d.%03d", c.hour ?? 0, c.minute ?? 0, c.second ?? 0, milliseconds)
    }
}
