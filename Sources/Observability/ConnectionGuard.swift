import Synchronization

/// The bounds that keep the metrics server from hurting the daemon: how many connections and
/// live-page streams at once, and what it answered. A connection beyond the bound is answered
/// 503 and closed at once; so is a live-page stream beyond its own bound. Thread-safe.
public final class ConnectionGuard: Sendable {
    /// Connections open at once, streams included. Default 32.
    public let maximumConnections: Int
    /// Live-page event streams open at once (each holds a connection). Default 8.
    public let maximumEventStreams: Int

    private struct State {
        var connections = 0
        var eventStreams = 0
        var refusedConnections = 0
        var responses: [Int: Int] = [:]
    }

    private let state = Mutex(State())

    public init(maximumConnections: Int = 32, maximumEventStreams: Int = 8) {
        precondition(maximumConnections > 0 && maximumEventStreams > 0, "the bounds must allow at least one")
        self.maximumConnections = maximumConnections
        self.maximumEventStreams = maximumEventStreams
    }

    /// Takes a connection slot; false (and counted) when all are taken.
    public func admitConnection() -> Bool {
        state.withLock { state in
            guard state.connections < maximumConnections else {
                state.refusedConnections += 1
                return false
            }
            state.connections += 1
            return true
        }
    }

    /// MUST be called once for every admitted connection, when it closes.
    public func releaseConnection() { state.withLock { $0.connections -= 1 } }

    /// Takes an event-stream slot; false when all are taken.
    public func admitEventStream() -> Bool {
        state.withLock { state in
            guard state.eventStreams < maximumEventStreams else { return false }
            state.eventStreams += 1
            return true
        }
    }

    /// MUST be called once for every admitted event stream, when it ends.
    public func releaseEventStream() { state.withLock { $0.eventStreams -= 1 } }

    /// Counts one response by its status code.
    public func record(status code: Int) { state.withLock { $0.responses[code, default: 0] += 1 } }

    /// The figures for the metrics and the tests.
    public struct Figures: Sendable, Equatable {
        public var connections: Int
        public var eventStreams: Int
        public var refusedConnections: Int
        /// Responses by status code.
        public var responses: [Int: Int]
    }

    public var figures: Figures {
        state.withLock { Figures(connections: $0.connections, eventStreams: $0.eventStreams, refusedConnections: $0.refusedConnections, responses: $0.responses) }
    }

    /// The server's own families: responses by code, refused connections, open streams.
    public func families() -> [MetricFamily] {
        let figures = figures
        let codes = Set([200, 400, 404, 405, 408, 413, 414, 431, 500, 503]).union(figures.responses.keys).sorted()
        return [
            MetricFamily(
                name: "coalition_http_responses_total", help: "Responses of the metrics and live-page server, by status code.",
                kind: .counter, samples: codes.map { .init([("code", String($0))], Double(figures.responses[$0] ?? 0)) }),
            MetricFamily(
                name: "coalition_http_connections_refused_total", help: "Connections answered 503 because the connection bound was reached.",
                kind: .counter, samples: [.init([], Double(figures.refusedConnections))]),
            MetricFamily(
                name: "coalition_http_connections", help: "Connections open to the metrics and live-page server.", kind: .gauge,
                samples: [.init([], Double(figures.connections))]),
            MetricFamily(
                name: "coalition_live_page_streams", help: "Live-page event streams open.", kind: .gauge,
                samples: [.init([], Double(figures.eventStreams))]),
        ]
    }
}
