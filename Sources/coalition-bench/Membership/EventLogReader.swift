import Coalition
import Foundation
import Synchronization

/// Reads the membership changes that each host's `node status --watch --json` appends to its
/// events log, incrementally: each read parses only the bytes appended since the last one. At
/// 100 hosts, reading and decoding every whole log four times a second during a cut took 10-20%
/// of the machine the bench measures, and grew with every event logged.
final class EventLogReader: Sendable {
    private struct Log {
        var offset: UInt64 = 0
        /// A line begun but not yet ended by a newline, kept for the next read.
        var partial = Data()
        var changes: [MembershipChangeReport] = []
    }

    private let paths: [String]
    private let logs: Mutex<[Log]>

    /// - Parameter paths: one log per host, `[0]` for host 1.
    init(paths: [String]) {
        self.paths = paths
        logs = Mutex(Array(repeating: Log(), count: paths.count))
    }

    /// The changes host `host` (1-based) logged so far, oldest first.
    func changes(_ host: Int) -> [MembershipChangeReport] {
        let index = host - 1
        let path = paths[index]
        return logs.withLock { logs in
            var log = logs[index]
            defer { logs[index] = log }
            guard let handle = FileHandle(forReadingAtPath: path) else { return log.changes }
            defer { try? handle.close() }
            guard (try? handle.seek(toOffset: log.offset)) != nil, let appended = try? handle.readToEnd(), !appended.isEmpty else {
                return log.changes
            }
            log.offset += UInt64(appended.count)
            var pending = log.partial + appended
            guard let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) else {
                log.partial = pending
                return log.changes
            }
            log.partial = Data(pending[pending.index(after: lastNewline)...])
            pending = Data(pending[..<lastNewline])
            let decoder = JSONDecoder()
            for line in pending.split(separator: UInt8(ascii: "\n")) {
                // A change line may follow other output on the same line (the status printed
                // before watching): each line is read from its first `{"id"` on.
                guard let text = String(data: Data(line), encoding: .utf8), let start = text.range(of: "{\"id\"")?.lowerBound,
                    let change = try? decoder.decode(MembershipChangeReport.self, from: Data(text[start...].utf8))
                else { continue }
                log.changes.append(change)
            }
            return log.changes
        }
    }
}
