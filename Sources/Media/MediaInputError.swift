/// Why an input cannot be demuxed or cut: what is wrong, the input, and where.
public struct MediaInputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A struct, so that naming one more code breaks no `switch`.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// FFmpeg could not open the input as media (not media at all, or damaged before its
        /// stream information, such as an MP4 cut before its index).
        public static let unreadable = Code(rawValue: "unreadable")
        /// A stream's codec is not one a coalition decodes (HEVC, PNG, ...).
        public static let unsupportedCodec = Code(rawValue: "unsupported codec")
        /// No H.264, AAC or MP3 stream.
        public static let noStream = Code(rawValue: "no stream")
        /// Damaged data: the demuxer failed or flagged a packet corrupt.
        public static let corrupt = Code(rawValue: "corrupt")
        /// The stream cannot be cut into exact units (see `UnitCutterError`).
        public static let uncuttable = Code(rawValue: "uncuttable")
        /// FFmpeg's libraries could not be loaded.
        public static let ffmpegUnavailable = Code(rawValue: "FFmpeg unavailable")
    }

    public var code: Code
    /// The input as the user named it (a path, `-` for stdin, `pipe:N`).
    public var input: String
    /// What happened, in a sentence (the codec's name for `unsupportedCodec`).
    public var detail: String
    /// The byte position in the input where it failed, when known.
    public var bytePosition: Int64?
    /// The packet (counted from 1, all streams) where it failed, when known.
    public var packetNumber: Int?

    public init(code: Code, input: String, detail: String, bytePosition: Int64? = nil, packetNumber: Int? = nil) {
        self.code = code
        self.input = input
        self.detail = detail
        self.bytePosition = bytePosition
        self.packetNumber = packetNumber
    }

    public var description: String {
        var place: [String] = []
        if let packetNumber { place.append("packet \(packetNumber)") }
        if let bytePosition, bytePosition >= 0 { place.append("byte \(bytePosition)") }
        return "\(input): \(detail)" + (place.isEmpty ? "" : " (at \(place.joined(separator: ", ")))")
    }
}
