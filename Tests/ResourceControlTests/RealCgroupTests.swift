import Foundation
import SystemCalls
import Testing

@testable import ResourceControl

/// Service cgroups on this machine's real cgroup v1 hierarchies (cpu, cpuacct, memory), under
/// the cgroups this test process is in, with real processes in them. Needs root; skipped with
/// a reason otherwise. Every cgroup and process a test makes is removed by the path and the pid
/// it made, in a `defer`, even when an expectation fails.
///
/// These check behaviour with generous bounds (a busy loop held near its share, throttling
/// counted, a larger share taking more), not timing targets: the machine's 2 cores are shared.
@Suite(.serialized) struct RealCgroupTests {
    /// Why the real tests cannot run here, or nil when they can.
    static let unavailable: String? = {
        guard CurrentProcess.userID == 0 else { return "not root: cgroups cannot be created" }
        guard let placement = try? CgroupPlacement.discover() else { return "no cgroup hierarchy found in /proc/self/mountinfo" }
        guard case .v1(let cpu, let cpuacct, let memory) = placement.parent, cpuacct != nil else {
            return "not a cgroup v1 machine with cpu, cpuacct and memory (the v2 code is tested on file trees)"
        }
        guard FileManager.default.isWritableFile(atPath: cpu), FileManager.default.isWritableFile(atPath: memory) else {
            return "\(cpu) or \(memory) is not writable"
        }
        return nil
    }()

    /// A service id no other test or helper uses.
    static func uniqueService() -> String { "test-\(CurrentProcess.id)-\(UInt32.random(in: 0...UInt32.max))" }

    /// Starts `/bin/sh -c script` with a pipe on its standard input. Through `env
    /// --default-signal`, which clears the signal mask a child inherits from a libdispatch
    /// thread (all blocked): else `terminate()`'s SIGTERM would never arrive.
    static func spawn(_ script: String) throws -> (process: Process, input: Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--default-signal", "/bin/sh", "-c", script]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, input)
    }

    /// Ends a process this test started (by its pid: `terminate` signals exactly it) and waits
    /// for it, so that it has left the cgroup.
    static func stop(_ process: Process) {
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { Issue.record("process \(process.processIdentifier) survived SIGTERM for 10 s") }
    }

    /// Removes a cgroup this test made; says so when it could not (the test then fails too).
    static func removeOrReport(_ cgroup: ReservationCgroup) {
        do { try cgroup.remove() } catch { Issue.record("could not remove \(cgroup.location.directories): \(error)") }
    }

    /// A process's user + system CPU time in seconds from `/proc/<pid>/stat` (fields 14 and 15,
    /// in USER_HZ ticks of 1/100 s): a witness independent of the cgroup's own accounting.
    static func processCPUSeconds(_ pid: Int32) throws -> Double {
        let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // After the command name in parentheses, fields start at 3 (state).
        let fields = text[text.index(after: try #require(text.lastIndex(of: ")")))...].split(separator: " ")
        return (try #require(Double(fields[11])) + (try #require(Double(fields[12])))) / 100
    }

    /// The cgroup's CPU use in cores, its throttled periods over `window`, and the cores
    /// `/proc/<pid>/stat` says process `pid` used meanwhile.
    static func measure(_ cgroup: ReservationCgroup, pid: Int32, over window: Duration) async throws -> (cores: Double, processCores: Double, throttledPeriods: UInt64, periods: UInt64, throttled: Duration) {
        let clock = ContinuousClock()
        let before = try cgroup.usage(), processBefore = try processCPUSeconds(pid), start = clock.now
        try await Task.sleep(for: window)
        let after = try cgroup.usage(), processAfter = try processCPUSeconds(pid), elapsed = clock.now - start
        let cores = try #require(after.cores(since: before, elapsed: elapsed))
        return (
            cores, (processAfter - processBefore) / (elapsed / .seconds(1)),
            after.throttledPeriods - before.throttledPeriods, after.periods - before.periods, after.throttledTime - before.throttledTime
        )
    }

    @Test(.enabled(if: unavailable == nil, "needs root and this machine's cgroup v1 cpu, cpuacct and memory hierarchies"))
    func v1_aBusyProcessIsHeldToItsShare_throttlingIsCounted_andALargerShareLetsItUseMore() async throws {
        let cgroup = try ReservationCgroup.create(service: Self.uniqueService(), cpuMillicores: 200, memoryBytes: 64 << 20)
        defer { Self.removeOrReport(cgroup) }
        let busy = try Self.spawn("while :; do :; done")
        defer { Self.stop(busy.process) }  // runs before the removal above
        try cgroup.add(pid: busy.process.processIdentifier)
        #expect(try cgroup.processes() == [busy.process.processIdentifier])
        try await Task.sleep(for: .milliseconds(300))

        let limited = try await Self.measure(cgroup, pid: busy.process.processIdentifier, over: .seconds(2))
        print("200 millicores: \(limited.cores) cores (the process's own /proc stat: \(limited.processCores)), throttled in \(limited.throttledPeriods) of \(limited.periods) periods, \(limited.throttled) throttled")
        #expect(limited.cores < 0.35, "held near 0.2 cores")
        #expect(limited.processCores < 0.35, "as the process's own accounting says")
        #expect(limited.cores > 0.05, "but running")
        #expect(limited.throttledPeriods > 5, "throttling counted")

        try cgroup.update(cpuMillicores: 500, memoryBytes: 64 << 20)
        #expect(try cgroup.limits().cpuMillicores == 500)
        let raised = try await Self.measure(cgroup, pid: busy.process.processIdentifier, over: .seconds(2))
        print("500 millicores: \(raised.cores) cores (the process's own /proc stat: \(raised.processCores)), throttled in \(raised.throttledPeriods) of \(raised.periods) periods, \(raised.throttled) throttled")
        #expect(raised.cores < 0.65, "held near 0.5 cores")
        #expect(raised.processCores < 0.65, "as the process's own accounting says")
        #expect(raised.cores > limited.cores + 0.1, "a larger share lets it use more")
    }

    @Test(.enabled(if: unavailable == nil, "needs root and this machine's cgroup v1 cpu, cpuacct and memory hierarchies"))
    func v1_theMemoryLimitIsReadBack_andAProcessAllocatingPastItIsKilledAndCounted() async throws {
        let cgroup = try ReservationCgroup.create(service: Self.uniqueService(), cpuMillicores: 500, memoryBytes: 32 << 20)
        // `tail -n 1` keeps a line without a newline whole: 200 MB of zeros grow it past the limit.
        defer { Self.removeOrReport(cgroup) }
        let hog = try Self.spawn("read go; head -c 200000000 /dev/zero | tail -n 1 >/dev/null")
        defer { Self.stop(hog.process) }
        #expect(try cgroup.limits() == CgroupLimits(cpuMillicores: 500, quotaMicroseconds: 50_000, periodMicroseconds: 100_000, memoryBytes: 32 << 20))
        try cgroup.update(cpuMillicores: 500, memoryBytes: 48 << 20)
        try cgroup.update(cpuMillicores: 500, memoryBytes: 40 << 20)
        #expect(try cgroup.limits().memoryBytes == 40 << 20)
        if case .v1(_, _, let memory) = cgroup.location, FileManager.default.fileExists(atPath: memory + "/memory.memsw.limit_in_bytes") {
            #expect(try CgroupFiles.read(memory + "/memory.memsw.limit_in_bytes") == "\(40 << 20)\n", "no swap past the lent memory")
        }

        try cgroup.add(pid: hog.process.processIdentifier)
        hog.input.fileHandleForWriting.write(Data("go\n".utf8))
        let deadline = ContinuousClock.now + .seconds(30)
        while hog.process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!hog.process.isRunning, "the hog ended within 30 s")
        Self.stop(hog.process)

        let usage = try cgroup.usage()
        print("40 MiB: the hog exited with \(hog.process.terminationStatus) (\(hog.process.terminationReason == .uncaughtSignal ? "signal" : "exit")), peak \(usage.memoryPeakBytes.map(String.init) ?? "?") bytes, limit reached \(usage.memoryLimitHits) times, OOM kills \(usage.oomKills.map(String.init) ?? "?")")
        #expect(hog.process.terminationStatus != 0, "the pipeline failed: tail was killed")
        #expect(usage.oomKills.map { $0 >= 1 } ?? true, "the kill is counted")
        // Not asserted: memoryLimitHits. This kernel (6.18) left memory.failcnt and
        // memory.memsw.failcnt at 0 through an OOM kill at the limit.
        #expect(try #require(usage.memoryPeakBytes) <= 40 << 20, "never above the limit")
        #expect(try cgroup.processes().isEmpty)
    }

    @Test(.enabled(if: unavailable == nil, "needs root and this machine's cgroup v1 cpu, cpuacct and memory hierarchies"))
    func v1_removeRefusesWhileAProcessIsIn_namingIt_thenRemovesEveryDirectoryOnceItEnded() throws {
        let cgroup = try ReservationCgroup.create(service: Self.uniqueService(), cpuMillicores: 100, memoryBytes: 16 << 20)
        defer {
            if cgroup.location.directories.contains(where: { FileManager.default.fileExists(atPath: $0) }) { Self.removeOrReport(cgroup) }
        }
        let sleeper = try Self.spawn("read never")
        defer { Self.stop(sleeper.process) }
        try cgroup.add(pid: sleeper.process.processIdentifier)
        #expect {
            try cgroup.remove()
        } throws: { error in
            (error as? CgroupError)?.code == .processesRemain && "\(error)".contains("\(sleeper.process.processIdentifier)")
        }
        #expect(cgroup.location.directories.allSatisfy { FileManager.default.fileExists(atPath: $0) })

        Self.stop(sleeper.process)
        try cgroup.remove()
        #expect(!cgroup.location.directories.contains { FileManager.default.fileExists(atPath: $0) })
        try cgroup.remove()  // already gone: nothing to do
    }

    @Test(.enabled(if: unavailable == nil, "needs root and this machine's cgroup v1 cpu, cpuacct and memory hierarchies"))
    func v1_addingAProcessThatDoesNotExist_isNoSuchProcess() throws {
        let cgroup = try ReservationCgroup.create(service: Self.uniqueService(), cpuMillicores: 100, memoryBytes: 16 << 20)
        defer { Self.removeOrReport(cgroup) }
        #expect {
            try cgroup.add(pid: Int32.max)
        } throws: { ($0 as? CgroupError)?.code == .noSuchProcess }
    }
}
