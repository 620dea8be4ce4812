import Foundation
import Testing

@testable import SystemSampling

@Suite("System sampling through libproc2")
struct SystemSamplerTests {
    @Test("a sample has a busy share in 0...1, MemAvailable above 0 and at most MemTotal")
    func sampleIsSane() async throws {
        let sampler = try SystemSampler()
        let sample = try await sampler.sample(over: .milliseconds(100))
        #expect((0...1).contains(sample.busyFraction))
        #expect(sample.memAvailableBytes > 0)
        #expect(sample.memAvailableBytes <= sample.memTotalBytes)
        #expect(sample.cores >= 1)
        #expect((0...Double(sample.cores)).contains(sample.spareCores))
    }

    @Test("busy share is the non-idle part of the ticks elapsed")
    func busyShareFromTicks() {
        let earlier = CPUTicks(total: 1_000, idle: 600)
        #expect(CPUTicks(total: 1_200, idle: 750).busyFraction(since: earlier) == 0.25)
        #expect(CPUTicks(total: 1_100, idle: 600).busyFraction(since: earlier) == 1)
        #expect(CPUTicks(total: 1_100, idle: 700).busyFraction(since: earlier) == 0)
    }

    @Test("no elapsed ticks or counters going backwards count as idle, never out of range")
    func degenerateTicks() {
        let earlier = CPUTicks(total: 1_000, idle: 600)
        #expect(earlier.busyFraction(since: earlier) == 0)
        #expect(CPUTicks(total: 900, idle: 500).busyFraction(since: earlier) == 0)
        #expect(CPUTicks(total: 1_100, idle: 500).busyFraction(since: earlier) == 1)
    }

    @Test("spare cores are the idle share of all cores")
    func spareCores() {
        let sample = SystemSample(busyFraction: 0.25, cores: 4, memAvailableBytes: 1, memTotalBytes: 2, at: Date())
        #expect(sample.spareCores == 3)
    }
}
