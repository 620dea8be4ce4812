// FFmpeg's libraries opened on first use (dlopen, through `CFFmpeg_load`), the function table
// every other FFmpeg*.swift file calls through, and FFmpeg's error type.
//
// All unsafe FFmpeg (libavformat, libavcodec, libavutil) code of the project lives in the
// FFmpeg*.swift files of this target, one job each: loading (here), owned handles, demuxing,
// decoding and hashing, encoding. Everything outside them sees safe Swift types and errors.
import CFFmpeg

#if canImport(Glibc)
    import Glibc
#endif

/// An error reported by FFmpeg: the C error code, FFmpeg's own message for it (`av_strerror`),
/// the call that failed and the file it was working on.
public struct FFmpegError: Error, Equatable, CustomStringConvertible {
    /// The `AVERROR` code (negative), or 0 for a condition FFmpeg reports without a code.
    public var code: Int32
    /// FFmpeg's message for `code` (from `av_strerror`), or the reason when `code` is 0.
    public var message: String
    /// The FFmpeg call or step that failed, e.g. `avformat_open_input`.
    public var operation: String
    /// The media file involved.
    public var file: String

    public init(code: Int32, operation: String, file: String, message: String? = nil) {
        self.code = code
        self.operation = operation
        self.file = file
        self.message = message ?? FFmpegError.describe(code)
    }

    public var description: String {
        "\(file): \(operation) failed: \(message)" + (code != 0 ? " (AVERROR \(code))" : "")
    }

    /// True when FFmpeg judged the data invalid (corrupt or truncated media).
    public var isInvalidData: Bool { code == FFmpegError.invalidData }

    /// `AVERROR_INVALIDDATA`.
    public static var invalidData: Int32 { CFFmpeg_AVERROR_INVALIDDATA() }
    /// `AVERROR_STREAM_NOT_FOUND`: the file has no stream of the kind asked for.
    public static var streamNotFound: Int32 { CFFmpeg_AVERROR_STREAM_NOT_FOUND() }
    /// `AVERROR_ENCODER_NOT_FOUND`.
    public static var encoderNotFound: Int32 { CFFmpeg_AVERROR_ENCODER_NOT_FOUND() }
    /// `AVERROR_DECODER_NOT_FOUND`.
    public static var decoderNotFound: Int32 { CFFmpeg_AVERROR_DECODER_NOT_FOUND() }

    /// FFmpeg's text for an error code.
    static func describe(_ code: Int32) -> String {
        guard let functions = FFmpegLibrary.functionsIfLoaded else { return "FFmpeg error \(code)" }
        var buffer = [CChar](repeating: 0, count: 256)
        if functions.av_strerror(code, &buffer, buffer.count) < 0 {
            return "unknown FFmpeg error \(code)"
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The kind of stream a clip carries.
public enum MediaKind: String, Sendable, Codable {
    case video, audio
}

/// Library-wide FFmpeg facts and settings, and the libraries themselves, opened on first use.
package enum FFmpegLibrary {
    /// Opens the libraries (once per process) and quiets FFmpeg's own logging (corrupt input
    /// would otherwise print over the progress bar); errors still reach the caller as
    /// `FFmpegError`. Every entry point that uses FFmpeg calls this first.
    package static func prepare() throws(FFmpegError) {
        try loadedFunctions.get().av_log_set_level(AV_LOG_FATAL)
    }

    /// The functions, or nil when the libraries are not (or could not be) loaded.
    static var functionsIfLoaded: CFFmpegFunctions? { try? loadedFunctions.get() }

    /// Opens libavutil, libavcodec and libavformat with dlopen and resolves every function.
    fileprivate static func open() -> Result<CFFmpegFunctions, FFmpegError> {
        var reason = [CChar](repeating: 0, count: 512)
        let functions = withUnsafeTemporaryAllocation(of: CFFmpegFunctions.self, capacity: 1) { slot in
            // Zeroed first, so the table never holds garbage; CFFmpeg_load fills every field or fails.
            UnsafeMutableRawBufferPointer(slot).initializeMemory(as: UInt8.self, repeating: 0)
            return CFFmpeg_load(slot.baseAddress!, &reason, reason.count) == 0 ? slot[0] : nil
        }
        guard let functions else {
            let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(FFmpegError(
                code: 0, operation: "loading FFmpeg's libraries (is libavformat installed?)",
                file: "libavformat", message: text))
        }
        return .success(functions)
    }
}

/// The FFmpeg libraries, opened on first access (a global is initialised once, thread-safely).
private let loadedFunctions = FFmpegLibrary.open()

/// The FFmpeg functions. Only reached after `FFmpegLibrary.prepare()` succeeded: every handle
/// below is created after it.
var ff: CFFmpegFunctions {
    guard let functions = FFmpegLibrary.functionsIfLoaded else {
        preconditionFailure("FFmpeg used before FFmpegLibrary.prepare()")
    }
    return functions
}

extension FFmpegLibrary {
    /// Gives the heap pages glibc holds free back to the kernel (`malloc_trim(0)`), before a
    /// memory baseline is taken.
    package static func releaseFreeHeap() {
        _ = CFFmpeg_release_free_heap()
    }

    /// Makes glibc keep freed blocks up to `bytes` in the heap for the next allocation, instead
    /// of mapping each large block afresh (`mallopt(M_MMAP_THRESHOLD)`) and giving freed memory
    /// back at once (`M_TRIM_THRESHOLD`, twice as much). For a process that opens a fresh
    /// decoder, with its picture buffers, for every unit: without it each buffer is a new
    /// mapping whose every page faults and is zeroed on first touch. The process keeps its high
    /// water mark, which a unit reached anyway. False when glibc refused a value (glibc caps
    /// the mmap threshold at 32 MiB on 64-bit).
    @discardableResult
    package static func keepFreedHeapBlocks(upTo bytes: Int32) -> Bool {
        CFFmpeg_keep_freed_heap_blocks(bytes) == 1
    }
}

extension FFmpegLibrary {
    /// `["libavcodec": "59.37.100", "libavformat": ..., "libavutil": ...]`.
    package static var versionMap: [String: String] {
        func text(_ v: UInt32) -> String { "\(v >> 16).\((v >> 8) & 0xff).\(v & 0xff)" }
        guard let functions = FFmpegLibrary.functionsIfLoaded else { return [:] }
        return [
            "libavcodec": text(functions.avcodec_version()), "libavformat": text(functions.avformat_version()),
            "libavutil": text(functions.avutil_version()),
        ]
    }
}
