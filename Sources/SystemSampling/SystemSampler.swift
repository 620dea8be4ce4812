import Foundation
import Synchronization

/// The system's load at one moment, as `SystemSampler` measured it.
public struct SystemSample: Sendable, Equatable {
    /// Share of all cores' time that was busy (not idle or iowait) since the previous sample,
    /// 0...1.
    public var busyFraction: Double
    /// Online CPU cores.
    public var cores: Int
    /// MemAvailable, in bytes.
    public var memAvailableBytes: UInt64
    /// MemTotal, in bytes.
    public var memTotalBytes: UInt64
    /// When the sample was taken.
    public var at: Date

    public init(busyFraction: Double, cores: Int, memAvailableBytes: UInt64, memTotalBytes: UInt64, at: Date) {
        self.busyFraction = busyFraction
        self.cores = cores
        self.memAvailableBytes = memAvailableBytes
        self.memTotalBytes = memTotalBytes
        self.at = at
    }

    /// Cores nobody is using: `cores * (1 - busyFraction)`.
    public var spareCores: Double { Double(cores) * (1 - busyFraction) }
}

extension CPUTicks {
    /// Busy share of the ticks counted between `earlier` and `self`, 0...1. With no tick elapsed
    /// (or counters that went backwards, e.g. a CPU going offline) it is 0.
    func busyFraction(since earlier: CPUTicks) -> Double {
        guard total > earlier.total else { return 0 }
        let elapsed = Double(total - earlier.total)
        let idleElapsed = idle >= earlier.idle ? Double(idle - earlier.idle) : 0
        return min(1, max(0, (elapsed - idleElapsed) / elapsed))
    }
}

/// Samples system CPU load and memory through libproc2 (`/proc/stat`, `/proc/meminfo`).
///
/// Each `sample()` reports the busy share over the interval since the previous call (the first
/// call: since the sampler was made). Safe to call from any thread.
public final class SystemSampler: Sendable {
    private struct State {
        let stat: StatHandle
        let meminfo: MeminfoHandle
        var previous: CPUTicks
    }

    private let state: Mutex<State>
    private let cores: Int

    public init() throws(Proc2Error) {
        let stat = try StatHandle()
        let meminfo = try MeminfoHandle()
        let first = try stat.ticks()
        state = Mutex(State(stat: stat, meminfo: meminfo, previous: first))
        cores = Proc2.cpuCount()
    }

    /// Load since the previous sample, and memory now.
    public func sample() throws(Proc2Error) -> SystemSample {
        let cores = cores
        let result: Result<SystemSample, Proc2Error> = state.withLock { state in
            do throws(Proc2Error) {
                let ticks = try state.stat.ticks()
                let memory = try state.meminfo.memory()
                let busy = ticks.busyFraction(since: state.previous)
                state.previous = ticks
                return .success(SystemSample(
                    busyFraction: busy, cores: cores, memAvailableBytes: memory.availableBytes,
                    memTotalBytes: memory.totalBytes, at: Date()))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Starts an interval, waits `interval`, and returns the load over it.
    public func sample(over interval: Duration) async throws -> SystemSample {
        _ = try sample()
        try await Task.sleep(for: interval)
        return try sample()
    }
}

/// What this machine has in all (not what is spare): for the device description of a profile.
public enum MachineTotals {
    /// Online CPUs, as libproc2 counts them (at least 1).
    public static func cpuCount() -> Int { Proc2.cpuCount() }

    /// MemTotal, in bytes.
    public static func memoryBytes() throws(Proc2Error) -> UInt64 { try MeminfoHandle().memory().totalBytes }
}
