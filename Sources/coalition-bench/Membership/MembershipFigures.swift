import Foundation
import Profiler

/// What one system measured at one host count.
struct MembershipFigures {
    var detections: [Double] = []
    /// Cuts not reported dead by every other host within 30 s.
    var undetected = 0
    /// Trials (from 1) during which the bench's own timer ran late by more than
    /// `StallWatch.reported`: the machine was too loaded to schedule anyone.
    var stalledTrials: [Int] = []
    /// Seconds waited before a cut until every host's local health was back to 0 (only waits
    /// above 0.2 s).
    var healthWaits: [Double] = []
    var falseDeaths: Int?
    /// Per trial with any: deaths of other members than the cut one, from its cut until
    /// everyone saw everyone alive again.
    var bystanderDeaths: [BystanderDeaths] = []
    var cpuShare = 0.0
    var rssAnonKiB = 0
    var bytesPerSecondOut = 0.0
    var bytesPerSecondIn = 0.0

    /// The nearest-rank percentile (`p` in 0...1) of the detection times; NaN when there are none.
    func percentile(_ p: Double) -> Double {
        detections.isEmpty ? .nan : Percentiles.nearestRank(p * 100, of: detections.sorted())
    }

    static func table(_ rows: [(Int, MembershipFigures, MembershipFigures?)], lossPercent: Double, lossSeconds: Int, serfLossSeconds: Int) -> String {
        var lines = ["membership bench (ratio = Coalition / Serf; lower is better)"]
        func cell(_ ours: Double, _ theirs: Double?, _ format: String) -> String {
            let mine = String(format: format, ours)
            guard let theirs else { return mine }
            let ratio = theirs == 0 ? "-" : String(format: "%.2fx", ours / theirs)
            return "\(mine) vs \(String(format: format, theirs)) (\(ratio))"
        }
        for (count, ours, serf) in rows {
            lines.append("\(count) hosts, \(ours.detections.count + ours.undetected) cuts (undetected within 30 s: \(ours.undetected)\(serf.map { " vs \($0.undetected)" } ?? "")):")
            lines.append("  detection p50 s        \(cell(ours.percentile(0.5), serf?.percentile(0.5), "%.3f"))")
            lines.append("  detection p99 s        \(cell(ours.percentile(0.99), serf?.percentile(0.99), "%.3f"))")
            if !ours.healthWaits.isEmpty {
                lines.append(String(
                    format: "  waited for local health before %d of the cuts (the heal before starved the daemons): up to %.1f s, %.1f s on average",
                    ours.healthWaits.count, ours.healthWaits.max()!, ours.healthWaits.reduce(0, +) / Double(ours.healthWaits.count)))
            }
            if !ours.bystanderDeaths.isEmpty {
                let reports = ours.bystanderDeaths.map(\.reports).reduce(0, +)
                let theirs = ours.bystanderDeaths.map(\.reportsOfTheCutHostsDeclarations).reduce(0, +)
                lines.append("  bystanders reported dead around \(ours.bystanderDeaths.count) of the cuts: \(reports) reports, \(theirs) of them about members the cut host had declared dead while cut off")
            }
            if !ours.stalledTrials.isEmpty || !(serf?.stalledTrials.isEmpty ?? true) {
                let theirs = serf.map { "; Serf's: \($0.stalledTrials.isEmpty ? "none" : $0.stalledTrials.map(String.init).joined(separator: ", "))" } ?? ""
                lines.append("  machine stalled in trials \(ours.stalledTrials.isEmpty ? "none" : ours.stalledTrials.map(String.init).joined(separator: ", "))\(theirs)")
            }
            if let deaths = ours.falseDeaths {
                lines.append("  false deaths (\(lossSeconds) s at \(lossPercent)%)  \(deaths)\(serf?.falseDeaths.map { " vs \($0)\(serfLossSeconds == lossSeconds ? "" : " in \(serfLossSeconds) s")" } ?? "")")
            }
            lines.append("  traffic out B/s/host   \(cell(ours.bytesPerSecondOut, serf?.bytesPerSecondOut, "%.0f"))")
            lines.append("  traffic in B/s/host    \(cell(ours.bytesPerSecondIn, serf?.bytesPerSecondIn, "%.0f"))")
            lines.append("  traffic in+out B/s/host \(cell(ours.bytesPerSecondIn + ours.bytesPerSecondOut, serf.map { $0.bytesPerSecondIn + $0.bytesPerSecondOut }, "%.0f")) (target <= 8192)")
            lines.append("  idle CPU % of a core   \(cell(ours.cpuShare * 100, serf.map { $0.cpuShare * 100 }, "%.3f"))")
            lines.append("  RssAnon KiB            \(cell(Double(ours.rssAnonKiB), serf.map { Double($0.rssAnonKiB) }, "%.0f"))")
        }
        if let first = rows.min(by: { $0.0 < $1.0 }), let last = rows.max(by: { $0.0 < $1.0 }), first.0 != last.0 {
            func growth(_ a: Double, _ b: Double) -> String { a == 0 ? "-" : String(format: "%+.0f%%", (b / a - 1) * 100) }
            lines.append(
                "traffic per host from \(first.0) to \(last.0) hosts (target within 15%): in \(growth(first.1.bytesPerSecondIn, last.1.bytesPerSecondIn)), out \(growth(first.1.bytesPerSecondOut, last.1.bytesPerSecondOut))")
        }
        return lines.joined(separator: "\n")
    }
}
