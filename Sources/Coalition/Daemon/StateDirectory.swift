import Discovery
import Foundation
import SystemCalls

/// What a node keeps across restarts: its id, so that a board that restarts is the same member
/// with a higher incarnation (alive again), not a stranger while its old self is mourned.
///
/// The directory is locked while a daemon uses it (`flock` on `lock`, which names the pid), so
/// two daemons on one machine can never share an id by accident: the second is refused and told
/// to use its own `--state-dir`.
public final class StateDirectory: Sendable {
    /// Why the state directory cannot be used; names the path and what to do.
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "state directory \(path): \(reason)" }
    }

    /// The directory.
    public let path: String
    /// Open on `lock` for the life of this object; the kernel drops the lock when it closes.
    private let lockDescriptor: FileDescriptor

    /// `/var/lib/coalition` for root, else `$XDG_STATE_HOME/coalition`, else
    /// `~/.local/state/coalition`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if CurrentProcess.userID == 0 { return "/var/lib/coalition" }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/coalition" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state/coalition"
    }

    /// Creates the directory if needed and locks it.
    public init(path: String) throws(Failure) {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw Failure(path: path, reason: "cannot create it: \(error.localizedDescription)")
        }
        let lockPath = path + "/lock"
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(lockPath, [.readWrite, .create, .closeOnExec], permissions: 0o644)
        } catch {
            throw Failure(path: path, reason: "cannot open \(lockPath): \(error.reason)")
        }
        // Any failure to lock (not only another holder) refuses the directory, as before.
        guard (try? descriptor.tryLockExclusively()) == true else {
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            try? descriptor.close()
            let who = holder.map { $0.isEmpty ? "another node join" : "node join pid \($0)" } ?? "another node join"
            throw Failure(path: path, reason: "in use by \(who); give each node on a machine its own --state-dir")
        }
        // The pid is a courtesy for the message above; the lock is what counts.
        try? descriptor.truncate(to: 0)
        try? descriptor.writeAll(Array("\(CurrentProcess.id)\n".utf8), at: 0)
        lockDescriptor = descriptor
    }

    deinit { try? lockDescriptor.close() }

    /// The node id kept in `node-id`, made (random) and saved on first use.
    public func nodeID() throws(Failure) -> NodeID {
        let file = path + "/node-id"
        if let text = try? String(contentsOfFile: file, encoding: .utf8) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let id = NodeID(hex: trimmed) else {
                throw Failure(
                    path: path,
                    reason: "node-id holds \"\(trimmed.prefix(40))\", not 16 hex digits; delete it to get a new id")
            }
            return id
        }
        let id = NodeID.random()
        do {
            // Written aside and renamed, so a crash never leaves half an id behind.
            let temporary = file + ".new"
            try Data("\(id)\n".utf8).write(to: URL(fileURLWithPath: temporary))
            try FilePaths.rename(temporary, to: file)
        } catch {
            throw Failure(path: path, reason: "cannot save node-id: \(error)")
        }
        return id
    }
}
