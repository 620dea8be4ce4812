import Foundation
import SystemCalls

/// Shows profiling progress on standard error: a redrawn bar on a terminal, plain lines (one per
/// step, when it starts and ends) otherwise.
public final class TerminalProgress {
    private let isTerminal = FileDescriptor.standardError.isTerminal
    private var currentLabel: String?
    private var lastDrawn = ""

    public init() {}

    public func report(_ progress: ProfileProgress) {
        guard let label = ProgressBar.label(for: progress) else {
            finishLine()
            return
        }
        let fraction: Double
        switch progress {
        case .synthesizing(_, let f), .decoding(_, _, let f), .hashing(_, let f): fraction = f
        case .measured: return
        }
        if label != currentLabel {
            finishLine()
            currentLabel = label
            if !isTerminal { write("\(label) ...\n") }
        }
        if isTerminal {
            let line = ProgressBar.line(label: label, fraction: fraction)
            if line != lastDrawn {
                write("\r\(line)")
                lastDrawn = line
            }
        }
    }

    /// Ends the current bar's line.
    public func finishLine() {
        if isTerminal, currentLabel != nil { write("\n") }
        currentLabel = nil
        lastDrawn = ""
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
