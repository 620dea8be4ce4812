import Foundation
import QoSModel

/// An SVG bar chart of the CPU seconds per second of media of each preset, one bar for the
/// single-thread run and one for the multi-thread run, with a line at 1.0 (one full core).
/// Hand-written SVG text; no dependency.
public enum ProfileChart {
    public static func svg(_ profile: CapabilityProfile) -> String {
        let labelWidth = 110.0
        let plotWidth = 560.0
        let rowHeight = 44.0
        let top = 70.0
        let width = labelWidth + plotWidth + 110
        let height = top + rowHeight * Double(profile.presets.count) + 50
        let largest = profile.presets.flatMap {
            [$0.singleThread.cpuSecondsPerMediaSecond, $0.multiThread.cpuSecondsPerMediaSecond]
        }.max() ?? 1
        let scale = niceCeiling(max(largest, 0.000_001))
        func x(_ value: Double) -> Double { labelWidth + plotWidth * value / scale }

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
                + (device.isBuildMachine ? "; build machine" : "") + "</text>")
        svg.append(#"<rect x="\#(n(labelWidth))" y="52" width="12" height="10" fill="steelblue"/>"#)
        svg.append(#"<text x="\#(n(labelWidth + 16))" y="61">1 thread</text>"#)
        svg.append(#"<rect x="\#(n(labelWidth + 90))" y="52" width="12" height="10" fill="darkorange"/>"#)
        svg.append(#"<text x="\#(n(labelWidth + 106))" y="61">default threads</text>"#)

        for (index, entry) in profile.presets.enumerated() {
            let y = top + rowHeight * Double(index)
            svg.append(#"<text x="10" y="\#(n(y + 22))">\#(escape(entry.preset.id))</text>"#)
            for (offset, run, colour) in [
                (0.0, entry.singleThread, "steelblue"), (18.0, entry.multiThread, "darkorange"),
            ] {
                let value = run.cpuSecondsPerMediaSecond
                svg.append(
                    #"<rect x="\#(n(labelWidth))" y="\#(n(y + 4 + offset))" width="\#(n(max(1, x(value) - labelWidth)))" "#
                        + #"height="16" fill="\#(colour)"/>"#)
                svg.append(
                    #"<text x="\#(n(x(value) + 4))" y="\#(n(y + 16 + offset))">"#
                        + String(format: "%.4f", value) + " (\(run.threads)t)</text>")
            }
        }
        let axisY = top + rowHeight * Double(profile.presets.count)
        svg.append(#"<line x1="\#(n(labelWidth))" y1="\#(n(top))" x2="\#(n(labelWidth))" y2="\#(n(axisY))" stroke="black"/>"#)
        svg.append(#"<line x1="\#(n(labelWidth))" y1="\#(n(axisY))" x2="\#(n(labelWidth + plotWidth))" y2="\#(n(axisY))" stroke="black"/>"#)
        for step in 0...4 {
            let value = scale * Double(step) / 4
            svg.append(#"<text x="\#(n(x(value)))" y="\#(n(axisY + 16))" text-anchor="middle">\#(trim(value))</text>"#)
        }
        if scale >= 1 {
            svg.append(
                #"<line x1="\#(n(x(1)))" y1="\#(n(top))" x2="\#(n(x(1)))" y2="\#(n(axisY))" stroke="firebrick" stroke-dasharray="4 3"/>"#)
            svg.append(#"<text x="\#(n(x(1) + 3))" y="\#(n(top - 2))" fill="firebrick">one core</text>"#)
        }
        svg.append(
            #"<text x="\#(n(labelWidth))" y="\#(n(axisY + 34))" fill="dimgray">CPU seconds per second of media "#
                + "(lower is cheaper; 1.0 = one full core)</text>")
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
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
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
