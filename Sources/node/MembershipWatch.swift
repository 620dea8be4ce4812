import Coalition
import Foundation

/// `node status --watch`: membership changes from the daemon's `watch-membership` op, one line
/// each (JSON lines with `--json`), until interrupted.
enum MembershipWatch {
    static func run(path: String, json: Bool) async throws {
        // Whatever `print` left in stdio's buffer (the status shown before watching) goes out
        // now: the changes below are written past that buffer, and a change written before it
        // was flushed landed in the middle of the status text, where no reader finds it (the
        // first change seen by each host went missing from the membership bench).
        fflush(nil)
        try await ControlClient(path: path).stream(WatchMembershipCall.self, Empty()) { change in
            // Unbuffered, so a pipe (a test, `tee`) sees each change as it happens.
            ServiceOutput.emit(json ? ServiceOutput.json(change) : Rendering.change(change))
            return true
        }
    }
}
