import Testing

import SystemCalls

@Suite struct ThreadCPUTimeTests {
    @Test func theCallingThreadsCPUTimeGrowsWithWorkAndStaysBelowTheProcesss() {
        let before = CurrentProcess.threadCPUNanoseconds()
        let processBefore = CurrentProcess.cpuTime(of: .process)
        var sum: UInt64 = 0
        let wallStart = CurrentProcess.monotonicNanoseconds()
        while CurrentProcess.monotonicNanoseconds() - wallStart < 50_000_000 { sum &+= sum &* 31 &+ 7 }
        let used = CurrentProcess.threadCPUNanoseconds() - before
        let processAfter = CurrentProcess.cpuTime(of: .process)
        let processUsed = (processAfter.user + processAfter.system - processBefore.user - processBefore.system) * 1e9
        #expect(sum != 1)
        #expect(used > 1_000_000, "a busy 50 ms loop used \(used) ns of this thread")
        #expect(Double(used) <= processUsed + 10_000_000, "a thread's time is part of its process's (getrusage ticks are coarse)")
    }
}
