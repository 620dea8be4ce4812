import Foundation
import Profiler

/// Formation latencies of one run, both modes over the same peers.
struct FormationFigures {
    var peers: Int
    var trials: Int
    /// Milliseconds per trial through the daemon (peers queried in parallel).
    var parallel: [Double] = []
    /// Milliseconds per trial with the paper's Listing 1 (peers queried one after the other).
    var sequential: [Double] = []

    /// What `--json` prints, and what `coalition-bench formation` reads back from its hosts.
    struct Summary: Codable {
        var peers: Int
        var trials: Int
        var parallelP50Millis: Double
        var parallelP99Millis: Double
        var sequentialP50Millis: Double
        var sequentialP99Millis: Double
        var ratioP99: Double
    }

    var summary: Summary {
        let parallel = parallel.sorted(), sequential = sequential.sorted()
        let parallelP99 = Percentiles.nearestRank(99, of: parallel)
        return Summary(
            peers: peers, trials: trials,
            parallelP50Millis: Percentiles.nearestRank(50, of: parallel), parallelP99Millis: parallelP99,
            sequentialP50Millis: Percentiles.nearestRank(50, of: sequential),
            sequentialP99Millis: Percentiles.nearestRank(99, of: sequential),
            ratioP99: Percentiles.nearestRank(99, of: sequential) / max(parallelP99, 1e-9))
    }

    func table(video: String) -> String { summary.table(video: video) }
}

extension FormationFigures.Summary {
    func table(video: String) -> String {
        [
            "formation of \(video) among \(peers) peers, \(trials) trials per mode",
            String(format: "  parallel queries (ours)        p50 %7.2f ms  p99 %7.2f ms", parallelP50Millis, parallelP99Millis),
            String(format: "  sequential (paper's Listing 1) p50 %7.2f ms  p99 %7.2f ms", sequentialP50Millis, sequentialP99Millis),
            String(format: "  sequential / parallel at p99: %.2fx", ratioP99),
        ].joined(separator: "\n")
    }
}
