import Coalition
import Foundation

/// How `node request`, `node release` and `node status` show services.
enum ServiceOutput {
    /// Prints a line and flushes it at once, so `--watch` into a pipe or file shows each event
    /// as it happens.
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
    }

    static func members(_ members: [MemberShareRecord]) -> String {
        members.map { "\($0.peer) \(Int(($0.share * 100).rounded()))%" }.joined(separator: ", ")
    }

    static func describe(_ answer: ServiceRequestAnswer) -> String {
        let service = answer.service
        switch service.phase {
        case "unserved":
            return "service \(service.id): \(service.reason ?? "cannot serve")"
        case "forming", "rebuilding":
            return "service \(service.id): still forming at \(service.level) (watch it with `node status`)"
        default:
            let what = answer.event?.kind == "degraded" ? "degraded to \(service.level)" : "serving \(service.level)"
            return "service \(service.id): \(what) x\(service.streams) with \(members(service.members))"
        }
    }

    static func describe(_ event: ServiceEventRecord) -> String {
        let time = Date(timeIntervalSince1970: Double(event.atMillis) / 1000)
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss.SSS"
        return "\(formatter.string(from: time)) \(event.service) \(event.kind): \(event.message)"
    }

    static func table(_ report: ServicesReport) -> String {
        var lines: [String] = []
        lines.append(String(format: "lending %.2f cores, %d MiB", report.spareCores, report.spareMemoryMiB))
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
        if !report.reservations.isEmpty {
            lines.append("reservations held here:")
            for held in report.reservations {
                let figures = String(format: "share %.2f (%.2f cores, ", held.share, held.cpuCores)
                lines.append("  \(held.service) for \(held.requester): \(held.level) \(figures)\(held.memoryMiB) MiB)")
            }
        }
        if !report.queryDrops.isEmpty {
            let counts = report.queryDrops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            lines.append("query port dropped: " + counts.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
