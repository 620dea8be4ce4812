import Foundation
import MembershipCore
import Synchronization

/// One line of the daemon's recent history, for the live page: a membership change (suspect,
/// dead, rejoined, ...) or a service event (formed, member lost, rebuilt, degraded, ...).
public struct JournalEntry: Codable, Hashable, Sendable {
    /// Where it comes from.
    public enum Source: String, Codable, Hashable, Sendable {
        case membership
        case service
    }

    /// Wall-clock time, milliseconds since the Unix epoch.
    public var atMillis: Int64
    public var source: Source
    /// The event's kind on the wire (`suspect`, `dead`, `member-lost`, `degraded`, ...).
    public var kind: String
    /// The member or service it is about.
    public var subject: String
    /// A sentence for people.
    public var message: String

    public init(atMillis: Int64, source: Source, kind: String, subject: String, message: String) {
        self.atMillis = atMillis
        self.source = source
        self.kind = kind
        self.subject = subject
        self.message = message
    }
}

/// The last ``capacity`` membership and service events, newest last. Thread-safe; bounded, so
/// a flapping member costs a fixed amount of memory.
public final class EventJournal: Sendable {
    /// How many entries are kept. Default 64.
    public let capacity: Int
    private let entries = Mutex<[JournalEntry]>([])

    public init(capacity: Int = 64) {
        precondition(capacity > 0, "a journal keeps at least one entry")
        self.capacity = capacity
    }

    public func append(_ entry: JournalEntry) {
        entries.withLock { entries in
            entries.append(entry)
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
    }

    /// A membership change as a journal entry.
    public func append(_ change: MembershipChange) {
        append(
            JournalEntry(
                atMillis: Int64((change.date.timeIntervalSince1970 * 1000).rounded()), source: .membership,
                kind: change.event.kind.rawValue, subject: change.event.member.rawValue,
                message: "\(change.event.member) \(change.event.kind.rawValue): \(change.event.reason)"))
    }

    /// A service event as a journal entry.
    public func append(_ record: ServiceEventRecord) {
        append(
            JournalEntry(
                atMillis: record.atMillis, source: .service, kind: record.kind.rawValue, subject: record.service,
                message: record.message))
    }

    /// Every entry kept, oldest first.
    public var recent: [JournalEntry] { entries.withLock { $0 } }
}
