import ChildProcess
import Coalition
import Foundation
import MembershipCore
import Observability
import Testing

@Suite("Prometheus exposition")
struct PrometheusExpositionTests {
    @Test func aCounterAndAGaugeAreWrittenWithTheirHelpAndType() {
        let text = PrometheusExposition.render([
            MetricFamily(name: "coalition_x_total", help: "Xs.", kind: .counter, samples: [.init([], 3)]),
            MetricFamily(name: "coalition_y_bytes", help: "Y.", kind: .gauge, samples: [.init([("a", "1"), ("b", "2")], 0.5)]),
        ])
        #expect(text == """
            # HELP coalition_x_total Xs.
            # TYPE coalition_x_total counter
            coalition_x_total 3
            # HELP coalition_y_bytes Y.
            # TYPE coalition_y_bytes gauge
            coalition_y_bytes{a="1",b="2"} 0.5

            """)
    }

    @Test func labelValuesEscapeBackslashQuoteAndNewlineAndHelpEscapesBackslashAndNewline() {
        #expect(PrometheusExposition.escapeLabelValue(#"a\b"c"# + "\nd") == #"a\\b\"c\nd"#)
        #expect(PrometheusExposition.escapeHelp("one\\two\nthree \"q\"") == #"one\\two\nthree "q""#)
        let text = PrometheusExposition.render([
            MetricFamily(name: "m", help: "h", kind: .gauge, samples: [.init([("name", "x\"y")], 1)])
        ])
        #expect(text.contains(#"m{name="x\"y"} 1"#))
    }

    @Test func specialValuesAreSpelledAsTheFormatWants() {
        #expect(PrometheusExposition.format(.nan) == "NaN")
        #expect(PrometheusExposition.format(.infinity) == "+Inf")
        #expect(PrometheusExposition.format(-.infinity) == "-Inf")
        #expect(PrometheusExposition.format(42) == "42")
        #expect(PrometheusExposition.format(0.25) == "0.25")
    }

    @Test func aHistogramHasCumulativeBucketsAnInfBucketEqualToItsCountAndItsSum() {
        var histogram = DurationHistogram(bounds: [0.1, 0.5, 1])
        for seconds in [0.0625, 0.25, 0.5, 0.75, 4.0] { histogram.observe(seconds: seconds) }
        let text = PrometheusExposition.render([
            MetricFamily(name: "coalition_t_seconds", help: "T.", kind: .histogram, samples: [.init([("k", "v")], histogram: histogram)])
        ])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains(#"coalition_t_seconds_bucket{k="v",le="0.1"} 1"#))
        #expect(lines.contains(#"coalition_t_seconds_bucket{k="v",le="0.5"} 3"#))
        #expect(lines.contains(#"coalition_t_seconds_bucket{k="v",le="1"} 4"#))
        #expect(lines.contains(#"coalition_t_seconds_bucket{k="v",le="+Inf"} 5"#))
        #expect(lines.contains(#"coalition_t_seconds_count{k="v"} 5"#))
        #expect(lines.contains(#"coalition_t_seconds_sum{k="v"} 5.5625"#))
        let buckets = histogram.cumulativeCounts
        #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(buckets.last! <= histogram.count)
    }

    @Test func theDaemonsFamiliesFollowTheNamingConventions() throws {
        let families = CoalitionMetrics.families(try ObservationFixture.observation())
        #expect(Set(families.map(\.name)).count == families.count, "one family per name")
        for family in families {
            #expect(family.name.hasPrefix("coalition_"))
            #expect((family.kind == .counter) == family.name.hasSuffix("_total"), "\(family.name)")
        }
        let text = PrometheusExposition.render(families)
        #expect(text.contains(#"coalition_members{state="suspect"} 1"#))
        #expect(text.contains(#"coalition_members{state="dead"} 1"#))
        #expect(text.contains(#"coalition_membership_dropped_frames_total{reason="unknownSender"} 1"#))
        #expect(text.contains(#"coalition_deaths_declared_total{by="self"} 1"#))
        #expect(text.contains(#"coalition_services{phase="serving"} 1"#))
        #expect(text.contains("coalition_lent_cpu_cores 0.35"))
        #expect(text.contains(#"coalition_work_throttled_seconds_total{service="00000000c0a10002/4"} 0.42"#))
        #expect(text.contains(#"name="board \"7\" \\ west""#))
        #expect(text.contains(#"coalition_failure_detection_seconds_bucket{le="0.75"} 1"#))
    }

    /// promtool (Debian's `prometheus` package) lints the real output: names, types, units, help.
    @Test(.enabled(if: Executables.find("promtool") != nil, "promtool not installed: run scripts/install-deps (prometheus)"))
    func promtoolAcceptsTheOutput() throws {
        let text = PrometheusExposition.render(CoalitionMetrics.families(try ObservationFixture.observation()))
        let output = try Self.promtool(text)
        #expect(output.succeeded, "promtool check metrics: \(output)")
    }

    static func promtool(_ text: String) throws -> CommandOutput {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ChildProcess.run("/bin/sh", ["-c", "exec promtool check metrics < \"$0\"", path])
    }
}
