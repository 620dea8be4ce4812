import Foundation

/// How busy the rest of the system was while this process measured: the system's busy share
/// over a span (libproc2, `/proc/stat`) minus this process's own CPU time over it.
public struct BackgroundLoad: Sendable {
    private let sampler: SystemSampler
    private let start: ResourceReading

    /// Starts the span now.
    public init() throws(Proc2Error) {
        sampler = try SystemSampler()
        start = ResourceReading.now()
    }

    /// Ends the span: the average number of cores other processes kept busy, and the span's
    /// length in seconds.
    public func finish() throws(Proc2Error) -> (otherCores: Double, seconds: Double) {
        let sample = try sampler.sample()
        let used = ResourceReading.now() - start
        return (Self.otherCores(busyFraction: sample.busyFraction, cores: sample.cores, ownCPUSeconds: used.cpu, seconds: used.wall), used.wall)
    }

    /// `busy * cores - own CPU per second`, never below 0.
    static func otherCores(busyFraction: Double, cores: Int, ownCPUSeconds: Double, seconds: Double) -> Double {
        guard seconds > 0 else { return 0 }
        return max(0, busyFraction * Double(cores) - ownCPUSeconds / seconds)
    }

    /// A sentence for the profile's notes.
    public static func note(otherCores: Double, cores: Int, seconds: Double) -> String {
        String(
            format: "Other processes kept %.2f of %d cores busy on average during the %.0f s of measurement "
                + "(libproc2 /proc/stat busy share minus this process's own CPU time).",
            otherCores, cores, seconds)
    }
}
