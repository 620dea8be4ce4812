import Foundation
import SystemSampling

/// How busy the rest of the system was while this process measured: the system's busy share
/// over a span (libproc2, `/proc/stat`) minus the CPU time of this process and of the children it
/// waited for (the `ffmpeg` runs of the benchmark) over it.
public struct BackgroundLoad: Sendable {
    private let sampler: SystemSampler
    private let start: ResourceReading
    private let startChildren: Double

    /// Starts the span now.
    public init() throws(Proc2Error) {
        sampler = try SystemSampler()
        start = ResourceReading.now()
        startChildren = ResourceReading.childrenCPU()
    }

    /// Ends the span: the average number of cores other processes kept busy, and the span's
    /// length in seconds.
    public func finish() throws(Proc2Error) -> (otherCores: Double, seconds: Double) {
        let sample = try sampler.sample()
        let used = ResourceReading.now() - start
        let own = used.cpu + ResourceReading.childrenCPU() - startChildren
        return (Self.otherCores(busyFraction: sample.busyFraction, cores: sample.cores, ownCPUSeconds: own, seconds: used.wall), used.wall)
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
                + "(libproc2 /proc/stat busy share minus the CPU time of this process and its children).",
            otherCores, cores, seconds)
    }
}
