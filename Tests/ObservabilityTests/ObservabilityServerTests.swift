import ChildProcess
import Coalition
import Foundation
import Logging
import NIOCore
import NIOPosix
import Observability
import Testing

/// The metrics server over a real loopback socket: its routes, its bounds and the live page's
/// event stream. Every request is raw bytes, so malformed ones can be sent as they are.
@Suite("Observability server")
struct ObservabilityServerTests {
    @Test func thePageIsOneSelfContainedDocumentThatListensToTheEventStream() async throws {
        try await Self.withServer { (port: Int, _: ObservabilityServer) async throws in
            let response = try await Self.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(response.lowercased().contains("content-type: text/html; charset=utf-8"))
            #expect(response.contains(#"new EventSource("events")"#))
            for outside in ["http://", "https://", "src=", "<link", "@import"] {
                #expect(!response.contains(outside), "the page must load nothing from elsewhere (\(outside))")
            }
        }
    }

    @Test func metricsAreServedInTheTextFormatAndPromtoolAcceptsThem() async throws {
        try await Self.withServer { (port: Int, _: ObservabilityServer) async throws in
            let response = try await Self.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(response.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))
            let body = Self.body(of: response)
            #expect(body.contains(#"coalition_members{state="alive"} 1"#))
            #expect(body.contains("# TYPE coalition_http_responses_total counter"))
            if Executables.find("promtool") != nil {
                let lint = try PrometheusExpositionTests.promtool(body)
                #expect(lint.succeeded, "promtool check metrics: \(lint)")
            }
        }
    }

    @Test func headAnswersTheHeadersWithoutTheBody() async throws {
        try await Self.withServer { (port: Int, _: ObservabilityServer) async throws in
            let response = try await Self.exchange(port: port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(Self.body(of: response).isEmpty)
        }
    }

    @Test func unknownPathsAndMethodsAreRefusedWithTheirStatus() async throws {
        try await Self.withServer { (port: Int, _: ObservabilityServer) async throws in
            #expect(try await Self.exchange(port: port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").hasPrefix("HTTP/1.1 404 Not Found"))
            let post = try await Self.exchange(port: port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            #expect(post.hasPrefix("HTTP/1.1 405 Method Not Allowed"))
            #expect(post.lowercased().contains("allow: get, head"))
            #expect(try await Self.exchange(port: port, "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"))
        }
    }

    @Test func oversizedRequestLinesHeadsAndBodiesAreRefused() async throws {
        let filler: [String] = (0..<200).map { index in "X-Filler-\(index): " + String(repeating: "b", count: 60) + "\r\n" }
        let requests: [(String, String)] = [
            ("GET /" + String(repeating: "a", count: 3000) + " HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 414 URI Too Long"),
            ("GET / HTTP/1.1\r\nHost: x\r\n" + filler.joined() + "\r\n", "HTTP/1.1 431 Request Header Fields Too Large"),
            ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + String(repeating: "c", count: 5000), "HTTP/1.1 413 Payload Too Large"),
            ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + String(repeating: "d", count: 2048) + "\r\n0\r\n\r\n",
             "HTTP/1.1 413 Payload Too Large"),
        ]
        try await Self.withServer { (port: Int, _: ObservabilityServer) async throws in
            for (request, status) in requests {
                let response = try await Self.exchange(port: port, request)
                #expect(response.hasPrefix(status), "\(request.prefix(60)): \(response.prefix(80))")
            }
        }
    }

    @Test func malformedRequestsGet400() async throws {
        try await Self.withServer { (port: Int, _: ObservabilityServer) async throws in
            #expect(try await Self.exchange(port: port, "HELLO THERE\r\n\r\n").hasPrefix("HTTP/1.1 400 Bad Request"))
            #expect(try await Self.exchange(port: port, "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n").hasPrefix("HTTP/1.1 400 Bad Request"))
        }
    }

    @Test func aRequestThatDoesNotArriveInTimeGets408() async throws {
        try await Self.withServer({ $0.requestTimeout = .milliseconds(200) }) { (port: Int, _: ObservabilityServer) async throws in
            #expect(try await Self.exchange(port: port, "GET / HTTP/1.1\r\nHost:").hasPrefix("HTTP/1.1 408 Request Timeout"))
        }
    }

    @Test func connectionsBeyondTheBoundGet503AndTheServerStillAnswersAfterwards() async throws {
        try await Self.withServer({ $0.maximumConnections = 2 }) { (port: Int, server: ObservabilityServer) async throws in
            let held = try await [Self.connect(port: port), Self.connect(port: port)]
            // Both are admitted once the server counts them.
            while server.guardian.figures.connections < 2 { try await Task.sleep(for: .milliseconds(10)) }
            let refused = try await Self.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(refused.hasPrefix("HTTP/1.1 503 Service Unavailable"))
            #expect(refused.lowercased().contains("retry-after: 1"))
            for channel in held { try await channel.close() }
            while server.guardian.figures.connections > 0 { try await Task.sleep(for: .milliseconds(10)) }
            let metrics = try await Self.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(metrics.hasPrefix("HTTP/1.1 200 OK"))
            #expect(metrics.contains("coalition_http_connections_refused_total 1"))
        }
    }

    @Test func theEventStreamSendsSnapshotsAsServerSentEvents() async throws {
        try await Self.withServer({ $0.pushInterval = .milliseconds(50) }) { (port: Int, _: ObservabilityServer) async throws in
            let response = try await Self.exchange(port: port, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n") {
                $0.components(separatedBy: "event: snapshot\n").count > 2
            }
            #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(response.lowercased().contains("content-type: text/event-stream"))
            #expect(response.contains("retry: 1000\n\n"))
            let data = try #require(response.components(separatedBy: "event: snapshot\ndata: ").dropFirst().first?.components(separatedBy: "\n\n").first)
            let snapshot = try JSONDecoder().decode(LiveSnapshot.self, from: Data(data.utf8))
            #expect(snapshot.members.map(\.state) == ["self", "alive", "suspect", "dead"])
            #expect(snapshot.members[1].name == "board-2")
            #expect(snapshot.services.first?.members.count == 2)
            #expect(snapshot.events.map(\.kind) == ["dead", "suspect"], "newest first")
        }
    }

    @Test func eventStreamsBeyondTheirBoundGet503() async throws {
        try await Self.withServer({ $0.maximumEventStreams = 1 }) { (port: Int, server: ObservabilityServer) async throws in
            let first = try await Self.connect(port: port)
            try await first.writeAndFlush(ByteBuffer(string: "GET /events HTTP/1.1\r\nHost: x\r\n\r\n"))
            while server.guardian.figures.eventStreams < 1 { try await Task.sleep(for: .milliseconds(10)) }
            let second = try await Self.exchange(port: port, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(second.hasPrefix("HTTP/1.1 503 Service Unavailable"))
            try await first.close()
            while server.guardian.figures.eventStreams > 0 { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    // MARK: Helpers

    static func withServer(_ body: (Int, ObservabilityServer) async throws -> Void) async throws {
        try await withServer({ _ in }, body)
    }

    static func withServer(
        _ configure: (inout ObservabilityServer.Configuration) -> Void,
        _ body: (Int, ObservabilityServer) async throws -> Void
    ) async throws {
        var configuration = ObservabilityServer.Configuration(address: try ListenAddress(host: "127.0.0.1", port: 0))
        configure(&configuration)
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let server = ObservabilityServer(
            configuration: configuration, observe: { try ObservationFixture.observation() }, logger: Logger(label: "test"),
            onListening: { listening.yield($0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port, server)
            group.cancelAll()
        }
    }

    static func connect(port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
    }

    /// Sends `request` as it is and returns everything the server sends until it closes, or
    /// until `enough` says so.
    static func exchange(port: Int, _ request: String, enough: @escaping @Sendable (String) -> Bool = { _ in false }) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            // A server that refuses at once (503) may close before our bytes are written.
            try? await outbound.write(ByteBuffer(string: request))
            var text = ""
            do {
                for try await buffer in inbound {
                    text += String(buffer: buffer)
                    if enough(text) { break }
                }
            } catch {
                // A reset after the answer (the server closed with our bytes unread) ends the read too.
                if text.isEmpty { throw error }
            }
            return text
        }
    }

    static func body(of response: String) -> String {
        response.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    }
}
