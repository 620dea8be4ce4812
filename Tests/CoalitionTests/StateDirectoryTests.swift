import Discovery
import Foundation
import Testing

@testable import Coalition

/// The node id survives restarts, two daemons never share one, and a damaged file is named.
@Suite struct StateDirectoryTests {
    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)/nested").path
    }

    @Test func theIdMadeOnFirstUseIsTheIdOfEveryLaterStart() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let first = try StateDirectory(path: path).nodeID()  // released at once: a stopped daemon
        let second = try StateDirectory(path: path).nodeID()
        #expect(first == second)
        let saved = try String(contentsOfFile: path + "/node-id", encoding: .utf8)
        #expect(saved == "\(first)\n")
    }

    @Test func aSecondDaemonOnTheSameDirectoryIsRefusedNamingTheHolder() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        var running: StateDirectory? = try StateDirectory(path: path)
        #expect {
            _ = try StateDirectory(path: path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("in use by node join pid \(getpid())") && text.contains("--state-dir")
        }
        #expect(running != nil)
        running = nil  // the first daemon stops: the directory is free again
        _ = try StateDirectory(path: path)
    }

    @Test func aDamagedIdFileIsRefusedNamingWhatItHolds() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data("not-an-id\n".utf8).write(to: URL(fileURLWithPath: path + "/node-id"))
        #expect {
            _ = try StateDirectory(path: path).nodeID()
        } throws: { error in
            "\(error)".contains("node-id holds \"not-an-id\", not 16 hex digits; delete it to get a new id")
        }
    }

    @Test func theDefaultIsVarLibForRootAndTheXDGStateHomeOtherwise() {
        let path = StateDirectory.defaultPath(environment: ["XDG_STATE_HOME": "/home/pi/.state", "HOME": "/home/pi"])
        #expect(path == (getuid() == 0 ? "/var/lib/coalition" : "/home/pi/.state/coalition"))
    }
}
