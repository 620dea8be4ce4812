import Foundation

/// How `node` writes what it renders (see `Rendering`) or its `--json` data.
enum ServiceOutput {
    /// Prints a line and flushes it at once, so `--watch` into a pipe or file shows each event
    /// as it happens.
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// `value` as one JSON line, keys sorted.
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
    }
}
