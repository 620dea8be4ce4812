import Coalition
import Foundation

/// `node status --watch`: membership changes from the daemon's `watch-membership` op, one line
/// each (JSON lines with `--json`), until interrupted.
enum MembershipWatch {
    private struct Line: Decodable {
        var result: MembershipChangeReport?
        var error: ControlError?
    }

    static func run(path: String, json: Bool) async throws {
        let request = Data("{\"v\":\(ControlProtocol.version),\"op\":\"watch-membership\"}\n".utf8)
        // Whatever `print` left in stdio's buffer (the status shown before watching) goes out
        // now: the changes below are written past that buffer, and a change written before it
        // was flushed landed in the middle of the status text, where no reader finds it (the
        // first change seen by each host went missing from the membership bench).
        fflush(nil)
        try await ControlClient(path: path).exchangeLines(request) { data in
            let line = try JSONDecoder().decode(Line.self, from: data)
            if let error = line.error { throw error }
            guard let change = line.result else { return true }
            let text: String
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                text = String(decoding: try encoder.encode(change), as: UTF8.self)
            } else {
                text = change.render()
            }
            // Unbuffered, so a pipe (a test, `tee`) sees each change as it happens.
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
            return true
        }
    }
}
