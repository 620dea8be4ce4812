import NIOCore
import NIOHTTP1

/// One request per connection (answers carry `Connection: close`): `GET /` the live page,
/// `GET /metrics` the Prometheus text, `GET /events` the page's event stream. Everything else
/// gets its status (404, 405, 413, 400 for what the parser refuses, 408 when the request does
/// not arrive in time, 503 when the streams are all taken) and the connection closes.
final class ObservabilityHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The routes, decided from the request head.
    enum Route: Equatable {
        case page, metrics, events
        case refuse(HTTPResponseStatus)
    }

    private let maximumBodyBytes: Int
    private let guardian: ConnectionGuard
    private let hub: EventStreamHub
    private let metrics: @Sendable () async throws -> String

    private enum State { case waitingForHead, readingBody(Route, head: Bool, bytes: Int), responding, streaming }
    private var state = State.waitingForHead

    init(maximumBodyBytes: Int, guardian: ConnectionGuard, hub: EventStreamHub, metrics: @escaping @Sendable () async throws -> String) {
        self.maximumBodyBytes = maximumBodyBytes
        self.guardian = guardian
        self.hub = hub
        self.metrics = metrics
    }

    /// The route of a request head: the method first (405), then the path (404); a query
    /// string is ignored.
    static func route(method: HTTPMethod, uri: String) -> Route {
        guard method == .GET || method == .HEAD else { return .refuse(.methodNotAllowed) }
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        switch path {
        case "/", "/index.html": return .page
        case "/metrics": return .metrics
        case "/events": return .events
        default: return .refuse(.notFound)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .waitingForHead):
            var route = Self.route(method: head.method, uri: head.uri)
            // A body announced beyond the bound is refused before it is read.
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > maximumBodyBytes {
                route = .refuse(.payloadTooLarge)
            }
            if case .refuse(.payloadTooLarge) = route {
                return respond(context: context, status: .payloadTooLarge, body: "request body too large\n", headOnly: false)
            }
            state = .readingBody(route, head: head.method == .HEAD, bytes: 0)
        case (.body(let buffer), .readingBody(let route, let headOnly, let bytes)):
            let total = bytes + buffer.readableBytes
            if total > maximumBodyBytes {
                return respond(context: context, status: .payloadTooLarge, body: "request body too large\n", headOnly: false)
            }
            state = .readingBody(route, head: headOnly, bytes: total)
        case (.end, .readingBody(let route, let headOnly, _)):
            answer(route, headOnly: headOnly, context: context)
        default:
            break  // a pipelined second request, or parts after an answer: ignored (one request per connection)
        }
    }

    private func answer(_ route: Route, headOnly: Bool, context: ChannelHandlerContext) {
        switch route {
        case .page:
            respond(context: context, status: .ok, contentType: LivePage.contentType, body: LivePage.html, headOnly: headOnly)
        case .metrics:
            state = .responding
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let promise = context.eventLoop.makePromise(of: String.self)
            let metrics = self.metrics
            promise.completeWithTask { try await metrics() }
            promise.futureResult.whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .success(let text):
                    handler.respond(
                        context: context, status: .ok, contentType: PrometheusExposition.contentType, body: text, headOnly: headOnly)
                case .failure(let error):
                    handler.respond(
                        context: context, status: .internalServerError, body: "cannot read the daemon's state: \(error)\n", headOnly: headOnly)
                }
            }
        case .events:
            guard !headOnly else {
                return respond(context: context, status: .ok, contentType: "text/event-stream", body: "", headOnly: true)
            }
            guard guardian.admitEventStream() else {
                return respond(
                    context: context, status: .serviceUnavailable, extra: [("Retry-After", "5")],
                    body: "too many live pages open\n", headOnly: false)
            }
            state = .streaming
            guardian.record(status: 200)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/event-stream; charset=utf-8")
            headers.add(name: "Cache-Control", value: "no-store")
            headers.add(name: "X-Accel-Buffering", value: "no")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            // The client reconnects after a second when the stream ends (a daemon restart).
            var first = "retry: 1000\n\n"
            let channel = context.channel
            if let latest = hub.add(channel) { first += latest }
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: first)))), promise: nil)
            let guardian = self.guardian
            let hub = self.hub
            channel.closeFuture.whenComplete { _ in
                hub.remove(channel)
                guardian.releaseEventStream()
            }
        case .refuse(let status):
            var extra: [(String, String)] = []
            if status == .methodNotAllowed { extra.append(("Allow", "GET, HEAD")) }
            respond(context: context, status: status, extra: extra, body: "\(status.code) \(status.reasonPhrase)\n", headOnly: headOnly)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is IdleStateHandler.IdleStateEvent else { return context.fireUserInboundEventTriggered(event) }
        switch state {
        case .waitingForHead, .readingBody:
            respond(context: context, status: .requestTimeout, body: "the request did not arrive in time\n", headOnly: false)
        case .responding, .streaming:
            break  // a stream's client sends nothing; a metrics answer is on its way
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .waitingForHead, .readingBody:
            // What NIO's parser refuses (malformed request line or header, bad chunking).
            respond(context: context, status: .badRequest, body: "malformed request\n", headOnly: false)
        case .responding, .streaming:
            context.close(promise: nil)
        }
    }

    /// Writes a whole response and closes the connection once it is sent.
    private func respond(
        context: ChannelHandlerContext, status: HTTPResponseStatus, contentType: String = "text/plain; charset=utf-8",
        extra: [(String, String)] = [], body: String, headOnly: Bool
    ) {
        state = .responding
        guardian.record(status: Int(status.code))
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in extra { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !headOnly, !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
