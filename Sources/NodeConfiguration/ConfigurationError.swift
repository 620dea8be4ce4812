/// A configuration file or a flag that cannot be used, naming the file, the line and the key:
/// `/etc/coalition/node.toml:7: heartbeat-port: must be in 1...65535, not 0`.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of mistake it is. Meant to grow: adding a code breaks no switch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The file could not be read.
        public static let unreadable = Code(rawValue: "unreadable")
        /// A line that is not `key = value` in the subset this file uses.
        public static let syntax = Code(rawValue: "syntax")
        /// A key (or flag) no setting has.
        public static let unknownKey = Code(rawValue: "unknown key")
        /// A key set twice in one file.
        public static let duplicateKey = Code(rawValue: "duplicate key")
        /// A value of the wrong type (a string for a port).
        public static let wrongType = Code(rawValue: "wrong type")
        /// A value of the right type that the setting refuses (a port of 0).
        public static let invalidValue = Code(rawValue: "invalid value")
    }

    public let code: Code
    /// Where: a file path, or `command line` for a flag.
    public let file: String
    /// The line in `file` (1-based); nil for the command line or an unreadable file.
    public let line: Int?
    /// The key concerned, when the line got that far.
    public let key: String?
    /// Why, as a sentence a board owner can act on.
    public let reason: String

    public init(_ code: Code, file: String, line: Int?, key: String?, reason: String) {
        self.code = code
        self.file = file
        self.line = line
        self.key = key
        self.reason = reason
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let key { text += ": \(key)" }
        return text + ": " + reason
    }
}
