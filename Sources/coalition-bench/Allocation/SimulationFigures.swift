import Allocation
import Profiler

/// One algorithm's figures over the runs at one arrival rate.
struct SimulationRow: Codable, Equatable {
    var algorithm: String
    /// Mean over runs of the time-averaged normalised weighted QoS.
    var meanQoS: Double
    var admitted = 0
    var rejected = 0
    var steppedDown = 0
    var preempted = 0
    var solverP50Millis = 0.0
    var solverP99Millis = 0.0

    /// Adds up `reports` (one per run) and the solver times of all their plans.
    init(algorithm: String, reports: [ChurnReport], millis: [Double]) {
        self.algorithm = algorithm
        meanQoS = reports.isEmpty ? 0 : reports.reduce(0) { $0 + $1.meanQoS } / Double(reports.count)
        for report in reports {
            admitted += report.admitted
            rejected += report.rejected
            steppedDown += report.steppedDown
            preempted += report.preempted
        }
        let sorted = millis.sorted()
        solverP50Millis = Percentiles.nearestRank(50, of: sorted)
        solverP99Millis = Percentiles.nearestRank(99, of: sorted)
    }
}

/// Every algorithm at one rate, on the same arrival sequences.
struct SimulationFigures: Codable, Equatable {
    var requestsPerMinute: Double
    var runs: Int
    var rows: [SimulationRow]

    /// `(qos - anchor) / anchor` for the anchor row named `name`.
    func margin(_ row: SimulationRow, over name: String) -> Double? {
        guard let anchor = rows.first(where: { $0.algorithm == name }), anchor.meanQoS > 0 else { return nil }
        return (row.meanQoS - anchor.meanQoS) / anchor.meanQoS
    }

    var table: String {
        var lines = [
            String(format: "%.0f request(s)/min, %d seeded runs; anchors WA and UA (the gateway system's), FCFS (today's daemon)", requestsPerMinute, runs),
            "  algorithm     QoS   vs WA    vs UA   admitted rejected stepped-down preempted  solver p50/p99 ms",
        ]
        for row in rows {
            let wa = margin(row, over: "wa").map { String(format: "%+6.1f%%", $0 * 100) } ?? "      -"
            let ua = margin(row, over: "ua").map { String(format: "%+6.1f%%", $0 * 100) } ?? "      -"
            lines.append(
                "  " + row.algorithm.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + String(format: "%6.3f  %@  %@  %8d %8d %12d %9d  %7.3f / %.3f", row.meanQoS, wa, ua, row.admitted, row.rejected,
                        row.steppedDown, row.preempted, row.solverP50Millis, row.solverP99Millis))
        }
        return lines.joined(separator: "\n")
    }
}

/// A plot of normalised weighted QoS over time, one step line per algorithm.
enum QoSPlot {
    static let colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]

    static func svg(title: String, minutes: Double, series: [(name: String, points: [ChurnReport.Timepoint])]) -> String {
        let width = 900.0, height = 420.0, left = 60.0, right = 150.0, top = 40.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ minute: Double) -> Double { left + plotWidth * min(minute, minutes) / minutes }
        func y(_ qos: Double) -> Double { top + plotHeight * (1 - qos) }
        var svg = [
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" font-family="sans-serif" font-size="12">"#,
            #"<rect width="100%" height="100%" fill="white"/>"#,
            #"<text x="\#(left)" y="22" font-size="14">\#(escape(title))</text>"#,
        ]
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg.append(#"<line x1="\#(left)" y1="\#(y(tick))" x2="\#(left + plotWidth)" y2="\#(y(tick))" stroke="rgb(221,221,221)"/>"#)
            svg.append(#"<text x="\#(left - 8)" y="\#(y(tick) + 4)" text-anchor="end">\#(tick)</text>"#)
        }
        let step = minutes <= 60 ? 5.0 : 30.0
        for tick in stride(from: 0.0, through: minutes, by: step) {
            svg.append(#"<text x="\#(x(tick))" y="\#(top + plotHeight + 18)" text-anchor="middle">\#(Int(tick))</text>"#)
        }
        svg.append(#"<text x="\#(left + plotWidth / 2)" y="\#(height - 10)" text-anchor="middle">minutes</text>"#)
        svg.append(
            #"<text x="16" y="\#(top + plotHeight / 2)" transform="rotate(-90 16 \#(top + plotHeight / 2))" text-anchor="middle">normalised weighted QoS</text>"#)
        for (k, line) in series.enumerated() {
            let colour = colours[k % colours.count]
            var path = ""
            var previous: Double?
            for point in line.points {
                if let previous { path += " L\(x(point.minute)),\(y(previous))" } else { path += "M\(x(point.minute)),\(y(point.qos))" }
                path += " L\(x(point.minute)),\(y(point.qos))"
                previous = point.qos
            }
            if let previous { path += " L\(x(minutes)),\(y(previous))" }
            svg.append(#"<path d="\#(path)" fill="none" stroke="\#(colour)" stroke-width="1.5"/>"#)
            let legendY = top + 10 + Double(k) * 18
            svg.append(#"<line x1="\#(left + plotWidth + 14)" y1="\#(legendY)" x2="\#(left + plotWidth + 34)" y2="\#(legendY)" stroke="\#(colour)" stroke-width="3"/>"#)
            svg.append(#"<text x="\#(left + plotWidth + 40)" y="\#(legendY + 4)">\#(escape(line.name))</text>"#)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
