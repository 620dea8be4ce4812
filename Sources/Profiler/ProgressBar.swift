/// Text of a one-line progress bar, e.g. `video.HD  decoding, 1 thread  [#######.......]  52%`.
public enum ProgressBar {
    /// The bar for `fraction` (clamped to 0...1) `width` cells wide, after `label`.
    public static func line(label: String, fraction: Double, width: Int = 30) -> String {
        let clamped = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let filled = Int((clamped * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let percent = Int((clamped * 100).rounded(.down))
        let padded = String(repeating: " ", count: max(0, 3 - String(percent).count)) + "\(percent)"
        return "\(label)  [\(bar)] \(padded)%"
    }

    /// What a profiling step is called on screen.
    public static func label(for progress: ProfileProgress) -> String? {
        switch progress {
        case .synthesizing(let preset, _): "\(preset.id.padding(12)) making the test clip"
        case .decoding(let preset, let threads, _):
            "\(preset.id.padding(12)) decoding, \(threads == 0 ? "default threads" : threads == 1 ? "1 thread" : "\(threads) threads")"
        case .hashing(let preset, _): "\(preset.id.padding(12)) hashing the decoded pictures"
        case .measured: nil
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
