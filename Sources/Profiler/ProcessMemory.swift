import Foundation
import Media
import SystemCalls

/// The memory high-water mark of this process, from `/proc/self/status`.
///
/// Method: before a decode run, `malloc_trim(0)` returns free heap pages to the kernel, writing
/// `5` to `/proc/self/clear_refs` resets the kernel's peak RSS (`VmHWM`) to the current RSS, and
/// `VmRSS` is the baseline. After the run, `VmHWM - baseline` is the peak resident memory the run
/// added: decoder context, frame pools, thread contexts, demuxer buffers.
enum ProcessMemory {
    /// Resets the peak and returns the current resident set size in bytes (nil when /proc is
    /// unavailable).
    static func resetPeak() -> UInt64? {
        FFmpegLibrary.releaseFreeHeap()
        // Best effort: without the reset, the peak is since the process started (still an upper bound).
        if let file = try? FileDescriptor.open("/proc/self/clear_refs", .writeOnly) {
            try? file.writeAll(Array("5".utf8))
            try? file.close()
        }
        return read()?.residentBytes
    }

    /// The current `VmRSS` and `VmHWM`, in bytes.
    static func read() -> (residentBytes: UInt64, peakBytes: UInt64)? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        let fields = ProcStatus.parseKilobytes(text)
        guard let rss = fields["VmRSS"], let hwm = fields["VmHWM"] else { return nil }
        return (rss * 1024, hwm * 1024)
    }
}

/// Parsing of `/proc/<pid>/status`.
enum ProcStatus {
    /// The `Name:   1234 kB` lines as name -> kB.
    static func parseKilobytes(_ text: String) -> [String: UInt64] {
        var fields: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            guard line.hasSuffix(" kB"), let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].dropLast(3).trimmingCharacters(in: .whitespaces)
            if let number = UInt64(value) { fields[String(line[..<colon])] = number }
        }
        return fields
    }
}
