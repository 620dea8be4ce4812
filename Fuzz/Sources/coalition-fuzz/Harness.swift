import CLibFuzzer
import Glibc

/// Runs the selected target on each input libFuzzer hands over.
enum Harness {
    nonisolated(unsafe) private static var target: FuzzTarget?

    static func select(_ chosen: FuzzTarget) {
        target = chosen
        AllocationWatch.install()
    }

    static func runOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        guard let target else { return 0 }
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        Fuzz.input = bytes
        target.run(bytes)
        return 0
    }
}

/// The invariants every target checks, beyond "no crash".
enum Fuzz {
    /// The time one decode should take: 1 ms, under AddressSanitizer and coverage instrumentation
    /// (which slow code 2-3x), so it holds with margin in a release build. A decode over it is
    /// counted and reported (`SlowDecodes`), not a failure: on a shared 2-core CI machine a 4 KiB
    /// document once took 1.07 ms at best of five runs, which says the machine was busy, not that
    /// the decoder is slow. A timed assertion proves nothing either way; the figure does.
    static let budgetNanoseconds: UInt64 = 1_000_000

    /// The time that does fail a run: 100 ms, a hundred times the budget. No load on this
    /// machine stretches a sub-millisecond decode that far; work that grows faster than the
    /// input (a quadratic scan, a loop over a trusted count) does, and libFuzzer's `-timeout`
    /// (10 s) would only see it at far larger inputs.
    static let ceilingNanoseconds: UInt64 = 100_000_000

    /// A single allocation larger than this during one decode is an amplification: the
    /// decoder trusted a length or a count before seeing the bytes that back it. 64 KiB plus
    /// 16 bytes per input byte (a decoded value may be several times its encoding, never
    /// unboundedly so).
    static func allocationBound(inputBytes: Int) -> Int { 64 << 10 + 16 * inputBytes }

    /// The current input (for messages).
    nonisolated(unsafe) static var input: [UInt8] = []

    /// Runs one decode and returns its result, trapping if it made an allocation over
    /// `allocationBound` or took more than `ceilingNanoseconds`; over `budgetNanoseconds` it is
    /// counted in `SlowDecodes`.
    ///
    /// Timing: the clock is CLOCK_MONOTONIC around `decode` only (not the invariant checks). A
    /// decode over budget is run again, up to 5 runs, 2 ms apart, and only the fastest counts:
    /// the first run of a code path pays one-time costs (lazy globals, type metadata, page
    /// faults of fresh memory: the "warm-up"), and on a shared 2-core machine any run can be
    /// preempted; neither says the decoder is slow.
    /// `decode` may run up to five times: a stateful one must restart from saved state.
    static func timed<T>(_ what: @autoclosure () -> String, _ decode: () -> T) -> T {
        var (result, best) = runOnce(what(), decode)
        var runs = 1
        while best > budgetNanoseconds, runs < 5 {
            usleep(2_000)  // let whoever preempted us run out its slice
            let (again, elapsed) = runOnce(what(), decode)
            result = again
            best = min(best, elapsed)
            runs += 1
        }
        check(best <= ceilingNanoseconds, "\(what()): took \(best) ns at best of 5 runs, over the ceiling of \(ceilingNanoseconds) ns")
        if best > budgetNanoseconds { SlowDecodes.record(nanoseconds: best, input: input) }
        return result
    }

    /// One run of `decode`: its result and its time, its largest allocation checked.
    private static func runOnce<T>(_ what: @autoclosure () -> String, _ decode: () -> T) -> (T, UInt64) {
        AllocationWatch.begin()
        let start = monotonicNanoseconds()
        let result = decode()
        let elapsed = monotonicNanoseconds() &- start
        let largest = AllocationWatch.end()
        let bound = allocationBound(inputBytes: input.count)
        check(largest <= bound, "\(what()): an allocation of \(largest) bytes for an input of \(input.count) (bound \(bound))")
        return (result, elapsed)
    }

    /// Traps (libFuzzer then saves the input as a crash) when an invariant does not hold.
    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        guard !condition else { return }
        fatalError("coalition-fuzz: invariant broken: \(message())")
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

/// Decodes that took over `Fuzz.budgetNanoseconds` at best of five runs: counted, the slowest
/// kept, and reported when the process exits (`slow decodes: N over 1 ms, slowest ...`, which
/// `scripts/fuzz` prints beside the executions). The slowest input is written to
/// `$COALITION_FUZZ_SLOW_DIR/slowest` when that is set, so it can be replayed and profiled.
enum SlowDecodes {
    nonisolated(unsafe) private static var count = 0
    nonisolated(unsafe) private static var slowest: UInt64 = 0
    nonisolated(unsafe) private static var reporting = false

    static func record(nanoseconds: UInt64, input: [UInt8]) {
        count += 1
        if !reporting {
            reporting = true
            atexit { SlowDecodes.report() }
        }
        guard nanoseconds > slowest else { return }
        slowest = nanoseconds
        guard let directory = getenv("COALITION_FUZZ_SLOW_DIR").map({ String(cString: $0) }) else { return }
        mkdir(directory, 0o755)
        guard let file = fopen(directory + "/slowest", "wb") else { return }
        _ = input.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }

    static func report() {
        let line = "coalition-fuzz: slow decodes: \(count) over \(Fuzz.budgetNanoseconds / 1_000) us, slowest \(slowest / 1_000) us\n"
        // write(2): stdio's `stderr` is shared mutable state to Swift 6, and this runs at exit.
        _ = Array(line.utf8).withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
    }
}

/// The largest single allocation made while a decode runs, through AddressSanitizer's malloc
/// hook (the hook only compares and stores: it must not allocate).
enum AllocationWatch {
    nonisolated(unsafe) private static var watching = false
    nonisolated(unsafe) private static var largest = 0

    static func install() {
        // Touch both globals before the hook can run, so it never initialises one inside malloc.
        watching = false
        largest = 0
        _ = __sanitizer_install_malloc_and_free_hooks(
            { _, size in
                if AllocationWatch.watching, size > AllocationWatch.largest { AllocationWatch.largest = size }
            },
            { _ in })
    }

    static func begin() {
        largest = 0
        watching = true
    }

    static func end() -> Int {
        watching = false
        return largest
    }
}

/// Deterministic chunk sizes for feeding a stream decoder piecewise (xorshift seeded by the
/// input's length and first bytes), so a stream target needs no extra bytes in its seeds.
struct ChunkSizes {
    private var state: UInt64

    init(for bytes: [UInt8]) {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        for byte in bytes.prefix(8) { seed = seed &* 31 &+ UInt64(byte) }
        state = seed == 0 ? 1 : seed
    }

    /// The next chunk size, 1...maximum (mostly small: 1...16, sometimes up to maximum).
    mutating func next(maximum: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        let small = Int(state % 16) + 1
        return state & 0x30 == 0 ? Int((state >> 8) % UInt64(max(1, maximum))) + 1 : min(small, max(1, maximum))
    }
}
