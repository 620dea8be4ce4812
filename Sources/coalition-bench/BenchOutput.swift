import Foundation

/// `value` as one JSON line, keys sorted (`--json`), for scripts that collect the figures.
func jsonLine(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
}

/// A benchmark that could not run, printed as its own sentence with exit status 1.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Prints a line and flushes it at once, so each figure shows as it is measured, also when the
/// output goes to a file or a pipe (where stdio would hold it until exit).
func say(_ line: String) {
    print(line)
    fflush(nil)
}
