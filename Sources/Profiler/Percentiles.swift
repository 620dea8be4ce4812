/// Percentiles of a sample by the nearest-rank method.
public enum Percentiles {
    /// The `p`-th percentile (0...100) of `values` by nearest rank; 0 for an empty sample.
    public static func nearestRank(_ p: Double, of sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
