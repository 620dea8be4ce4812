/// The configuration file: a strict subset of TOML 1.0, one `key = value` a line.
///
/// What it accepts: comments (`# ...`, alone or after a value), blank lines, bare kebab-case
/// keys, basic (`"..."`, with TOML's escapes) and literal (`'...'`) strings, decimal integers
/// (`7946`, `-3`, `1_000`), finite decimal floats (`0.5`, `2e3`), `true`/`false`, and
/// one-line arrays of strings. What it refuses, each with a sentence naming the line: tables
/// (`[section]`), dotted or quoted keys, multi-line strings and arrays, dates, hexadecimal and
/// other integer forms, `inf`/`nan`, a key set twice. Everything it accepts is valid TOML, so
/// any TOML tool reads the file the same way.
///
/// Our own code rather than LebJe/TOMLKit (on this machine's package list): TOMLKit wraps the
/// C++ toml++ library, which would be the daemon's only C++ and a second parser to fuzz, and it
/// answers with a parsed document whose positions are gone by the time a value is found wrong,
/// so an error could no longer name the line; and it accepts all of TOML (tables, dates, inline
/// tables) that a flat list of flags has no use for, which would have to be refused afterwards
/// one by one anyway. A hundred lines for the subset keep the module pure (no C, no I/O).
public enum ConfigurationFile {
    /// One `key = value` line as written, before the schema has seen it.
    public struct Entry: Sendable, Equatable {
        public let key: String
        public let value: SettingValue
        /// The line (1-based).
        public let line: Int
    }

    /// The file's `key = value` lines, checked against TOML's grammar only.
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - file: its path, for error messages.
    public static func entries(in text: String, file: String) throws(ConfigurationError) -> [Entry] {
        var entries: [Entry] = []
        var seen: [String: Int] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            var cursor = Cursor(line, file: file, line: number)
            cursor.skipSpaces()
            if cursor.atEndOrComment { continue }
            let entry = try cursor.entry()
            if let first = seen[entry.key] {
                throw ConfigurationError(
                    .duplicateKey, file: file, line: number, key: entry.key,
                    reason: "set twice (first on line \(first)): keep one")
            }
            seen[entry.key] = number
            entries.append(entry)
        }
        return entries
    }

    /// The file's settings, each checked against `schema`: known key, right type, accepted value.
    public static func settings(
        in text: String, file: String, schema: ConfigurationSchema
    ) throws(ConfigurationError) -> [(key: String, value: SettingValue, source: SettingSource)] {
        var settings: [(key: String, value: SettingValue, source: SettingSource)] = []
        for entry in try entries(in: text, file: file) {
            guard let definition = schema.definition(for: entry.key) else {
                throw ConfigurationError(
                    .unknownKey, file: file, line: entry.line, key: entry.key,
                    reason: "no such setting" + (Self.closestKey(to: entry.key, in: schema).map { " (did you mean \($0)?)" } ?? ""))
            }
            switch definition.accept(entry.value) {
            case .success(let value): settings.append((entry.key, value, .file(path: file, line: entry.line)))
            case .failure(let refusal):
                throw ConfigurationError(refusal.code, file: file, line: entry.line, key: entry.key, reason: refusal.reason)
            }
        }
        return settings
    }

    /// A known key one edit (or underscores for dashes, or capitals) away from `key`.
    static func closestKey(to key: String, in schema: ConfigurationSchema) -> String? {
        let folded = key.lowercased().replacingUnderscores()
        return schema.definitions.first(where: { $0.key == folded || editDistance($0.key, folded) <= 1 })?.key
    }

    /// Edits (insert, delete, replace, or swap two neighbours) between `a` and `b`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}

/// Reads one line left to right.
private struct Cursor {
    private let text: [Unicode.Scalar]
    private var position = 0
    private let file: String
    private let line: Int
    private var key: String?

    init(_ line: Substring, file: String, line number: Int) {
        self.text = Array(line.unicodeScalars)
        self.file = file
        self.line = number
    }

    private var current: Unicode.Scalar? { position < text.count ? text[position] : nil }

    var atEndOrComment: Bool { current == nil || current == "#" }

    mutating func skipSpaces() {
        while current == " " || current == "\t" { position += 1 }
    }

    private func fail(_ reason: String) -> ConfigurationError {
        ConfigurationError(.syntax, file: file, line: line, key: key, reason: reason)
    }

    /// `key = value`, then nothing but spaces and a comment.
    mutating func entry() throws(ConfigurationError) -> ConfigurationFile.Entry {
        if current == "[" {
            throw fail("tables ([section]) are not used: every setting is a top-level `key = value` line")
        }
        if current == "\"" || current == "'" {
            throw fail("quoted keys are not used: write the key bare, e.g. heartbeat-port = 7946")
        }
        let start = position
        while let c = current, Self.isBareKeyScalar(c) { position += 1 }
        guard position > start else { throw fail("expected `key = value`") }
        key = String(String.UnicodeScalarView(text[start..<position]))
        skipSpaces()
        if current == "." { throw fail("dotted keys are not used: every setting is a top-level key") }
        guard current == "=" else { throw fail("expected `=` after the key") }
        position += 1
        skipSpaces()
        let value = try self.value()
        skipSpaces()
        guard atEndOrComment else { throw fail("unexpected text after the value (a comment starts with #)") }
        return .init(key: key!, value: value, line: line)
    }

    private static func isBareKeyScalar(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_"
    }

    private mutating func value() throws(ConfigurationError) -> SettingValue {
        switch current {
        case nil, "#": throw fail("the value is missing")
        case "\"", "'": return .string(try string())
        case "[": return .strings(try array())
        case "{": throw fail("inline tables are not used")
        default: return try scalar()
        }
    }

    private mutating func string() throws(ConfigurationError) -> String {
        let quote = current!
        if position + 2 < text.count, text[position + 1] == quote, text[position + 2] == quote {
            throw fail("multi-line strings are not used: write the value on one line")
        }
        position += 1
        var out = String.UnicodeScalarView()
        while let c = current {
            position += 1
            if c == quote { return String(out) }
            if quote == "\"" && c == "\\" {
                out.append(try escape())
            } else if c.value < 0x20 && c != "\t" || c.value == 0x7F {
                throw fail("control character U+\(String(c.value, radix: 16, uppercase: true)) in a string: escape it")
            } else {
                out.append(c)
            }
        }
        throw fail("the string is not closed with \(quote) on this line")
    }

    private mutating func escape() throws(ConfigurationError) -> Unicode.Scalar {
        guard let c = current else { throw fail("the string is not closed on this line") }
        position += 1
        switch c {
        case "\"": return "\""
        case "\\": return "\\"
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "u", "U":
            let count = c == "u" ? 4 : 8
            guard position + count <= text.count,
                let code = UInt32(String(String.UnicodeScalarView(text[position..<position + count])), radix: 16),
                let scalar = Unicode.Scalar(code)
            else { throw fail("\\\(c) must be followed by \(count) hex digits of a Unicode scalar") }
            position += count
            return scalar
        default: throw fail("unknown escape \\\(c) in a string (use \\\\ for a backslash, or a 'literal string')")
        }
    }

    private mutating func array() throws(ConfigurationError) -> [String] {
        position += 1
        var items: [String] = []
        while true {
            skipSpaces()
            if current == "]" {
                position += 1
                return items
            }
            guard current != nil, current != "#" else {
                throw fail("the array is not closed with ] on this line (arrays are written on one line)")
            }
            guard current == "\"" || current == "'" else { throw fail("arrays hold strings only") }
            items.append(try string())
            skipSpaces()
            if current == nil || current == "#" {
                throw fail("the array is not closed with ] on this line (arrays are written on one line)")
            } else if current == "," {
                position += 1
            } else if current != "]" {
                throw fail("expected , or ] in the array")
            }
        }
    }

    /// An integer, a float or a boolean: the run of characters up to a space or a comment.
    private mutating func scalar() throws(ConfigurationError) -> SettingValue {
        let start = position
        while let c = current, c != " ", c != "\t", c != "#" { position += 1 }
        let word = String(String.UnicodeScalarView(text[start..<position]))
        if word == "true" { return .boolean(true) }
        if word == "false" { return .boolean(false) }
        if let number = Self.integer(word) {
            guard let value = Int(number) else { throw fail("\(word) is too large for an integer") }
            return .integer(value)
        }
        if let number = Self.float(word) {
            guard let value = Double(number), value.isFinite else { throw fail("\(word) is too large for a number") }
            return .float(value)
        }
        if word.hasPrefix("0x") || word.hasPrefix("0o") || word.hasPrefix("0b") {
            throw fail("\(word): only decimal integers are used")
        }
        if ["inf", "+inf", "-inf", "nan", "+nan", "-nan"].contains(word) {
            throw fail("\(word): only finite numbers are used")
        }
        if word.first.map({ $0.isNumber }) == true, word.contains("-") || word.contains(":") {
            throw fail("\(word): dates and times are not used")
        }
        throw fail("\(word) is not a value: strings are quoted (\"...\"), booleans are true or false")
    }

    /// TOML's decimal integer with its underscores removed, or nil: an optional sign, then `0`
    /// or digits not starting with 0, each underscore between two digits.
    static func integer(_ word: String) -> String? {
        var body = Substring(word)
        var sign = ""
        if let first = body.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            body = body.dropFirst()
        }
        guard let digits = digitRun(body), digits == "0" || !digits.hasPrefix("0") else { return nil }
        return sign + digits
    }

    /// TOML's float, ready for `Double(_:)`, or nil: an integer part, then a fraction
    /// (`.digits`) and/or an exponent (`e`, an optional sign, digits).
    static func float(_ word: String) -> String? {
        var rest = Substring(word)
        var sign = ""
        if let first = rest.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            rest = rest.dropFirst()
        }
        let exponentStart = rest.firstIndex(where: { $0 == "e" || $0 == "E" })
        let mantissa = rest[..<(exponentStart ?? rest.endIndex)]
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let integerPart = digitRun(parts[0]), integerPart == "0" || !integerPart.hasPrefix("0") else { return nil }
        var result = sign + integerPart
        if parts.count == 2 {
            guard let fraction = digitRun(parts[1]) else { return nil }
            result += "." + fraction
        }
        if let exponentStart {
            var exponent = rest[rest.index(after: exponentStart)...]
            var exponentSign = ""
            if let first = exponent.first, first == "+" || first == "-" {
                exponentSign = String(first)
                exponent = exponent.dropFirst()
            }
            guard let digits = digitRun(exponent) else { return nil }
            result += "e" + exponentSign + digits
        } else if parts.count == 1 {
            return nil  // an integer, not a float
        }
        return result
    }

    /// Digits with single underscores between them, the underscores removed; nil otherwise.
    private static func digitRun(_ text: Substring) -> String? {
        guard let first = text.first, first.isASCII, first.isNumber, text.last != "_", !text.contains("__") else { return nil }
        guard text.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "_" }) else { return nil }
        return String(text.filter { $0 != "_" })
    }
}
