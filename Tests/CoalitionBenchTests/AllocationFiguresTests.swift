import Allocation
import Testing

@testable import coalition_bench

@Suite struct AllocationFiguresTests {
    @Test func solverFigures_divideEachAnswerByExactsOnTheSameInstance() {
        let figures = SolverFigures(
            services: 10, levels: 5, seed: 1, order: ["exact", "greedy", "wa"],
            millis: ["exact": [3, 1, 2], "greedy": [0.1, 0.2, 0.3], "wa": [0, 0, 0]],
            objectives: ["exact": [10, 20, 40], "greedy": [10, 18, 40], "wa": [5, 10, 20]],
            gaps: ["exact": [0, 0, 0], "greedy": [0.1, 0.2, 0], "wa": [nil, nil, nil]])
        #expect(figures.instances == 3)
        let greedy = figures.rows[1]
        #expect(abs(greedy.meanOfExact - (1 + 0.9 + 1) / 3) < 1e-12)
        #expect(greedy.worstOfExact == 0.9)
        #expect(greedy.p50Millis == 0.2 && greedy.maxMillis == 0.3)
        #expect(abs(greedy.meanBoundGap! - 0.1) < 1e-12)
        #expect(figures.rows[2].meanBoundGap == nil && figures.rows[2].meanOfExact == 0.5)
        #expect(figures.table.contains("anchor: exact"))
    }

    @Test func simulationRows_addUpTheRuns_andMarginsAreOverTheAnchors() {
        var one = ChurnReport(meanQoS: 0.6)
        one.admitted = 3
        one.preempted = 1
        var two = ChurnReport(meanQoS: 0.8)
        two.admitted = 2
        two.steppedDown = 4
        let exact = SimulationRow(algorithm: "exact", reports: [one, two], millis: [1, 2, 3, 4])
        #expect(abs(exact.meanQoS - 0.7) < 1e-12 && exact.admitted == 5 && exact.preempted == 1 && exact.steppedDown == 4)
        #expect(exact.solverP50Millis == 2 && exact.solverP99Millis == 4)
        let wa = SimulationRow(algorithm: "wa", reports: [ChurnReport(meanQoS: 0.5)], millis: [])
        let figures = SimulationFigures(requestsPerMinute: 3, runs: 2, rows: [exact, wa])
        #expect(abs(figures.margin(exact, over: "wa")! - 0.4) < 1e-12)
        #expect(figures.margin(exact, over: "ua") == nil)
        #expect(figures.table.contains("+40.0%"))
    }

    @Test func thePlot_drawsOneLinePerAlgorithm() {
        let svg = QoSPlot.svg(
            title: "t", minutes: 30,
            series: [("exact", [.init(minute: 0, qos: 1), .init(minute: 10, qos: 0.5)]), ("wa", [.init(minute: 0, qos: 0.2)])])
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<path").count == 3)
        #expect(svg.contains(">exact<") && svg.contains(">wa<"))
    }
}
