import LabKit
import Testing

/// `/proc/PID/stat` lines as the kernel writes them (proc(5)).
@Suite struct ProcessTimesTests {
    @Test func ownAndReapedChildrenTimesInTicks() throws {
        // Fields 14-17: utime 250, stime 50, cutime 1200, cstime 30.
        let line = "4242 (node) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 1200 30 20 0 9 0 1234 800000000 5000 18446744073709551615 0 0 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0"
        let times = try #require(ProcessTimes(statLine: line, ticksPerSecond: 100))
        #expect(times == ProcessTimes(ownSeconds: 3.0, reapedChildrenSeconds: 12.3))
    }

    @Test func commandNamesWithSpacesAndParentheses() throws {
        let line = "77 (a (b) c) R 1 77 77 0 -1 0 0 0 0 0 7 3 0 1 20 0 1 0 5 1000 10 0"
        let times = try #require(ProcessTimes(statLine: line, ticksPerSecond: 100))
        #expect(times == ProcessTimes(ownSeconds: 0.1, reapedChildrenSeconds: 0.01))
    }

    @Test func zombiesKeepTheirTimes() throws {
        let zombie = try #require(ProcessTimes(statLine: "77 (node) Z 1 77 77 0 -1 0 0 0 0 0 7 3 0 1 20 0 1 0 5 0 0 0", ticksPerSecond: 100))
        #expect(zombie == ProcessTimes(ownSeconds: 0.1, reapedChildrenSeconds: 0.01, isZombie: true))
        let running = try #require(ProcessTimes(statLine: "77 (node) R 1 77 77 0 -1 0 0 0 0 0 7 3 0 1 20 0 1 0 5 0 0 0", ticksPerSecond: 100))
        #expect(!running.isZombie)
    }

    @Test func malformedLinesAreNone() {
        #expect(ProcessTimes(statLine: "77 (node) S 1 77", ticksPerSecond: 100) == nil)
        #expect(ProcessTimes(statLine: "no parenthesis", ticksPerSecond: 100) == nil)
        #expect(ProcessTimes(statLine: "77 (node) S 1 77 77 0 -1 0 0 0 0 0 x 3 0 1 20", ticksPerSecond: 100) == nil)
    }
}
