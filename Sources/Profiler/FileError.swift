import SystemCalls

/// A file or directory the profiler cannot read or write, naming the path and the reason.
public struct FileError: Error, Equatable, CustomStringConvertible {
    public var path: String
    /// What was being done, e.g. `creating the cache directory`.
    public var operation: String
    public var reason: String

    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    /// An error whose reason is the text of a failed system call's `errno`.
    init(path: String, operation: String, _ error: SystemCallError) {
        self.init(path: path, operation: operation, reason: error.reason)
    }

    public var description: String { "\(path): \(operation) failed: \(reason)" }
}
