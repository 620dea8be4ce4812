import Foundation
import Logging
import Testing
@testable import Coalition

private let report = StatusReport(
    node: NodeSummary(
        name: "me", id: "0000000000000001", incarnation: 1, cores: 2, memoryMiB: 512, profile: "none",
        heartbeatPort: 7946, queryPort: 7947, published: true, uptimeSeconds: 1),
    avahi: "running", peers: [])

/// Runs a real control server on a socket in a fresh temporary directory while `body` runs.
private func withServer(_ body: @Sendable (String) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(UInt32.random(in: 0...UInt32.max))")
    let path = directory.appendingPathComponent("node.sock").path
    defer { try? FileManager.default.removeItem(at: directory) }
    let server = ControlServer(
        configuration: .init(path: path), router: ControlRouter([StatusHandler(report: { report })]),
        logger: Logger(label: "test"))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        let deadline = ContinuousClock.now + .seconds(10)
        while !FileManager.default.fileExists(atPath: path), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await body(path)
        group.cancelAll()
    }
}

@Suite struct ControlSocketTests {
    @Test func statusRoundTripsOverTheUnixSocket() async throws {
        try await withServer { path in
            let answer = try await ControlClient(path: path).call(StatusCall.self)
            #expect(answer == report)
        }
    }

    @Test func aBadRequestGetsAnErrorAndTheDaemonKeepsAnswering() async throws {
        try await withServer { path in
            let client = ControlClient(path: path)
            let bad = try await client.exchange(Data("{\"v\":2,\"op\":\"nope\"}\n".utf8))
            #expect(String(decoding: bad, as: UTF8.self).contains("unknown-op"))
            let huge = try await client.exchange(Data((String(repeating: "x", count: 70_000) + "\n").utf8))
            #expect(String(decoding: huge, as: UTF8.self).contains("too-large"))
            let answer = try await client.call(StatusCall.self)
            #expect(answer.node.name == "me")
        }
    }

    @Test func aSecondServerOnTheSamePathRefusesToStart() async throws {
        try await withServer { path in
            let second = ControlServer(
                configuration: .init(path: path), router: ControlRouter([]), logger: Logger(label: "test"))
            await #expect(throws: ControlClientError.self) { try await second.run() }
            let alive = try await ControlClient.probe(path: path)
            #expect(alive)
        }
    }

    @Test func aClientWithoutADaemonGetsAClearError() async throws {
        let path = "/tmp/no-such-coalition-dir/node.sock"
        let error = await #expect(throws: ControlClientError.self) {
            _ = try await ControlClient(path: path).call(StatusCall.self)
        }
        #expect(error?.reason == "cannot connect: No such file or directory")
    }
}
