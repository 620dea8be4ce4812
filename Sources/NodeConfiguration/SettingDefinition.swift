/// One setting a command accepts: its key (the same in the configuration file and, with `--`
/// before it, on the command line), its type, its default and what it means.
public struct SettingDefinition: Sendable {
    /// Checks a value of the right type; returns why it is refused, or nil when it is fine.
    public typealias Check = @Sendable (SettingValue) -> String?

    /// The key, kebab-case: `heartbeat-port`. The flag is `--` + key.
    public let key: String
    /// The type its value must have.
    public let type: SettingType
    /// The value when neither the file nor a flag sets it; nil means unset (the command then
    /// decides, as ``defaultDescription`` says).
    public let defaultValue: SettingValue?
    /// What an unset value means, for help and `--print-config` (e.g. "the host name").
    public let defaultDescription: String?
    /// One or two sentences for `--help`.
    public let help: String
    /// The placeholder `--help` shows for the value (`port`, `path`); nil for booleans.
    public let valueName: String?
    /// Whether the command line has a flag for it; a setting without one is set in the file only.
    public let hasFlag: Bool
    /// Refuses values of the right type that are still wrong (a port of 0, an unknown level).
    public let check: Check?

    public init(
        key: String, type: SettingType, defaultValue: SettingValue? = nil, defaultDescription: String? = nil,
        help: String, valueName: String? = nil, hasFlag: Bool = true, check: Check? = nil
    ) {
        precondition(Self.isValidKey(key), "setting keys are kebab-case: \(key)")
        precondition(defaultValue.map { $0.type == type } ?? true, "the default of \(key) has the wrong type")
        self.key = key
        self.type = type
        self.defaultValue = defaultValue
        self.defaultDescription = defaultDescription
        self.help = help
        self.valueName = valueName ?? (type == .boolean ? nil : "value")
        self.hasFlag = hasFlag
        self.check = check
    }

    /// `--` + key.
    public var flag: String { "--" + key }

    /// Lower-case letters, digits and single dashes, starting with a letter.
    static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, ("a"..."z").contains(first), !key.hasSuffix("-"), !key.contains("--") else {
            return false
        }
        return key.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// A value read for this setting, converted to its type (an integer where a number is
    /// expected) and checked; or why it cannot be.
    func accept(_ value: SettingValue) -> Result<SettingValue, Refusal> {
        let converted: SettingValue
        switch (type, value) {
        case (.float, .integer(let number)): converted = .float(Double(number))
        case _ where value.type == type: converted = value
        default: return .failure(Refusal(code: .wrongType, reason: "must be \(type), not \(value.type) (\(value))"))
        }
        if let reason = check?(converted) { return .failure(Refusal(code: .invalidValue, reason: reason)) }
        return .success(converted)
    }

    /// Why a value was refused.
    struct Refusal: Error {
        let code: ConfigurationError.Code
        let reason: String
    }
}

extension SettingDefinition {
    /// A check that an integer lies in `range`.
    public static func integer(in range: ClosedRange<Int>) -> Check {
        { value in
            guard case .integer(let number) = value, !range.contains(number) else { return nil }
            return "must be in \(range.lowerBound)...\(range.upperBound), not \(number)"
        }
    }

    /// A check that a number lies in `range`.
    public static func float(in range: ClosedRange<Double>) -> Check {
        { value in
            guard case .float(let number) = value, !range.contains(number) else { return nil }
            return "must be in \(range.lowerBound)...\(range.upperBound), not \(number)"
        }
    }

    /// A check that a string is one of `choices`.
    public static func oneOf(_ choices: [String]) -> Check {
        { value in
            guard case .string(let text) = value, !choices.contains(text) else { return nil }
            return "must be one of \(choices.joined(separator: ", ")), not \"\(text)\""
        }
    }
}

/// The settings a command accepts, in the order its help and `--print-config` list them.
public struct ConfigurationSchema: Sendable {
    /// Every setting, in order.
    public let definitions: [SettingDefinition]
    private let index: [String: Int]

    public init(_ definitions: [SettingDefinition]) {
        self.definitions = definitions
        var index: [String: Int] = [:]
        for (position, definition) in definitions.enumerated() {
            precondition(index[definition.key] == nil, "setting \(definition.key) defined twice")
            index[definition.key] = position
        }
        self.index = index
    }

    /// The setting with this key, or nil.
    public func definition(for key: String) -> SettingDefinition? {
        index[key].map { definitions[$0] }
    }
}
