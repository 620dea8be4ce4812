import Foundation
import QoSModel

/// An SVG bar chart of the CPU seconds per second of media of each preset, one bar for the
/// single-thread run and one for the multi-thread run. Video and audio get a panel each, with its
/// own scale (audio costs a few hundred times less), and a line at 1.0 (one full core) when the
/// scale reaches it. Hand-written SVG text; no dependency.
public enum ProfileChart {
    private static let labelWidth = 110.0
    private static let plotWidth = 560.0
    private static let rowHeight = 44.0
    private static let single = "steelblue"
    private static let multi = "darkorange"

    public static func svg(_ profile: CapabilityProfile) -> String {
        let video = profile.presets.filter { if case .video = $0.preset { true } else { false } }
        let audio = profile.presets.filter { if case .audio = $0.preset { true } else { false } }
        let panels = [("Video (H.264)", video), ("Audio (MP3)", audio)].filter { !$0.1.isEmpty }
        let panelHeights = panels.map { 30 + rowHeight * Double($0.1.count) + 40 }
        let width = labelWidth + plotWidth + 110
        let height = 70 + panelHeights.reduce(0, +) + 10

        var svg: [String] = []
        svg.append(
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(n(width))" height="\#(n(height))" "#
                + #"viewBox="0 0 \#(n(width)) \#(n(height))" font-family="sans-serif" font-size="12">"#)
        svg.append(#"<rect width="100%" height="100%" fill="white"/>"#)
        let device = profile.device
        svg.append(
            #"<text x="10" y="22" font-size="15" font-weight="bold">CPU seconds per second of media: "#
                + escape("\(device.model) (\(device.hostname))") + "</text>")
        svg.append(
            #"<text x="10" y="42" fill="dimgray">\#(escape(device.cpu)), \#(device.cores) cores; "#
                + "clips of \(n(profile.measurement.clipDurationSeconds)) s"
                + (device.isBuildMachine ? "; build machine" : "") + "; lower is cheaper, 1.0 = one full core</text>")
        svg.append(#"<rect x="\#(n(labelWidth))" y="52" width="12" height="10" fill="\#(single)"/>"#)
        svg.append(#"<text x="\#(n(labelWidth + 16))" y="61">1 thread</text>"#)
        svg.append(#"<rect x="\#(n(labelWidth + 90))" y="52" width="12" height="10" fill="\#(multi)"/>"#)
        svg.append(#"<text x="\#(n(labelWidth + 106))" y="61">default threads</text>"#)

        var top = 70.0
        for (index, (title, entries)) in panels.enumerated() {
            svg += panel(title: title, entries: entries, top: top)
            top += panelHeights[index]
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// One panel: a title, two bars per preset, an axis with its own scale.
    private static func panel(title: String, entries: [PresetMeasurement], top: Double) -> [String] {
        let largest = entries.flatMap {
            [$0.singleThread.cpuSecondsPerMediaSecond, $0.multiThread.cpuSecondsPerMediaSecond]
        }.max() ?? 1
        let scale = niceCeiling(max(largest, 0.000_001))
        func x(_ value: Double) -> Double { labelWidth + plotWidth * min(value, scale) / scale }

        var svg: [String] = []
        svg.append(#"<text x="10" y="\#(n(top + 16))" font-weight="bold">\#(escape(title))</text>"#)
        let rowsTop = top + 30
        for (index, entry) in entries.enumerated() {
            let y = rowsTop + rowHeight * Double(index)
            svg.append(#"<text x="10" y="\#(n(y + 22))">\#(escape(entry.preset.id))</text>"#)
            for (offset, run, colour) in [(0.0, entry.singleThread, single), (18.0, entry.multiThread, multi)] {
                let value = run.cpuSecondsPerMediaSecond
                svg.append(
                    #"<rect x="\#(n(labelWidth))" y="\#(n(y + 4 + offset))" width="\#(n(max(1, x(value) - labelWidth)))" "#
                        + #"height="16" fill="\#(colour)"/>"#)
                svg.append(
                    #"<text x="\#(n(x(value) + 4))" y="\#(n(y + 16 + offset))">"#
                        + String(format: "%.4f", value) + " (\(run.threads)t)</text>")
            }
        }
        let axisY = rowsTop + rowHeight * Double(entries.count)
        svg.append(#"<line x1="\#(n(labelWidth))" y1="\#(n(rowsTop))" x2="\#(n(labelWidth))" y2="\#(n(axisY))" stroke="black"/>"#)
        svg.append(
            #"<line x1="\#(n(labelWidth))" y1="\#(n(axisY))" x2="\#(n(labelWidth + plotWidth))" y2="\#(n(axisY))" stroke="black"/>"#)
        let lead = scale / pow(10, floor(log10(scale)))
        let ticks = lead == 2.5 || lead == 5 ? 5 : 4
        for step in 0...ticks {
            let value = scale * Double(step) / Double(ticks)
            svg.append(#"<text x="\#(n(x(value)))" y="\#(n(axisY + 16))" text-anchor="middle">\#(trim(value))</text>"#)
        }
        if scale >= 1 {
            svg.append(
                #"<line x1="\#(n(x(1)))" y1="\#(n(rowsTop))" x2="\#(n(x(1)))" y2="\#(n(axisY))" stroke="firebrick" stroke-dasharray="4 3"/>"#)
            svg.append(#"<text x="\#(n(x(1) + 3))" y="\#(n(rowsTop - 2))" fill="firebrick">one core</text>"#)
        }
        return svg
    }

    /// 1, 2, 2.5 or 5 times a power of ten, at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        let power = pow(10, floor(log10(value)))
        for step in [1.0, 2, 2.5, 5, 10] where step * power >= value { return step * power }
        return 10 * power
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static func n(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    private static func trim(_ value: Double) -> String {
        var text = String(format: "%.5f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
