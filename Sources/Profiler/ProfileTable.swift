import Foundation
import QoSModel

/// The human-readable table `node profile` prints at the end.
public enum ProfileTable {
    public static func render(_ profile: CapabilityProfile) -> String {
        let device = profile.device
        var lines: [String] = []
        lines.append(
            "\(device.model) (\(device.hostname)), \(device.cores) cores, "
                + "\(megabytes(device.memoryBytes)) MiB, \(device.architecture)"
                + (device.isBuildMachine ? ", build machine" : ""))
        lines.append(
            "clips of \(format(profile.measurement.clipDurationSeconds, 1)) s; CPU s/s = CPU seconds per second "
                + "of media (1.0 = one full core), RT x = times faster than real time")
        let header = ["preset", "threads", "CPU s/s", "wall s/s", "RT x", "p50 ms", "p99 ms", "memory MiB"]
        var rows: [[String]] = []
        for entry in profile.presets {
            for (index, run) in [entry.singleThread, entry.multiThread].enumerated() {
                rows.append([
                    index == 0 ? entry.preset.id : "",
                    "\(run.threads)",
                    format(run.cpuSecondsPerMediaSecond, 4),
                    format(run.wallSecondsPerMediaSecond, 4),
                    format(run.wallSecondsPerMediaSecond > 0 ? 1 / run.wallSecondsPerMediaSecond : 0, 1),
                    format(run.frameDecodeP50Milliseconds, 2),
                    format(run.frameDecodeP99Milliseconds, 2),
                    index == 0 ? format(Double(entry.memoryHighWaterBytes) / 1_048_576, 1) : "",
                ])
            }
        }
        lines.append(contentsOf: TextTable.render(header: header, rows: rows))
        if let hash = profile.frameHash {
            lines.append(
                "frame hash (pack + MD5 of decoded pictures, 1 thread): \(format(hash.bytesPerCPUSecond / 1e6, 1)) MB per CPU s "
                    + "over \(hash.frames) pictures (\(megabytes(hash.bytes)) MiB)")
        } else {
            lines.append("frame hash: not measured")
        }
        return lines.joined(separator: "\n")
    }

    static func megabytes(_ bytes: UInt64) -> String { "\(bytes / 1_048_576)" }

    static func format(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }
}

/// Columns padded to their widest cell: the first left-aligned, the others right-aligned.
public enum TextTable {
    /// The header, a rule of dashes, then the rows, each a line.
    public static func render(header: [String], rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: max(0, widths[column] - cell.count))
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return [line(header), rule] + rows.map(line)
    }
}
