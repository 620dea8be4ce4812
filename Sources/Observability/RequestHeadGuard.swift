import NIOCore
import NIOHTTP1

/// The first handler of a connection: bounds the request line and the request head before
/// NIO's HTTP parser sees them (its own bound is 80 KiB), answering 414 when the request line
/// is too long and 431 when the head is, then closing. Bytes after the head pass untouched.
final class RequestHeadGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let maximumRequestLineBytes: Int
    private let maximumHeadBytes: Int
    private let guardian: ConnectionGuard

    private enum State { case scanning, passing, refused }
    private var state = State.scanning
    private var seen = 0
    private var requestLineDone = false
    /// The last bytes seen, to find the blank line that ends the head across reads.
    private var last: (UInt8, UInt8, UInt8) = (0, 0, 0)

    init(maximumRequestLineBytes: Int, maximumHeadBytes: Int, guardian: ConnectionGuard) {
        self.maximumRequestLineBytes = maximumRequestLineBytes
        self.maximumHeadBytes = maximumHeadBytes
        self.guardian = guardian
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .passing:
            context.fireChannelRead(data)
        case .refused:
            return
        case .scanning:
            let buffer = unwrapInboundIn(data)
            for byte in buffer.readableBytesView {
                seen += 1
                if byte == UInt8(ascii: "\n") {
                    requestLineDone = true
                    // "\r\n\r\n" or a bare "\n\n" ends the head.
                    if (last.1 == UInt8(ascii: "\n") && last.2 == UInt8(ascii: "\r")) || last.2 == UInt8(ascii: "\n") {
                        state = .passing
                        break
                    }
                }
                last = (last.1, last.2, byte)
                if !requestLineDone, seen > maximumRequestLineBytes {
                    return refuse(.uriTooLong, context: context)
                }
                if seen > maximumHeadBytes {
                    return refuse(.requestHeaderFieldsTooLarge, context: context)
                }
            }
            context.fireChannelRead(data)
        }
    }

    /// Answers `status` in raw bytes (the HTTP encoder sits after this handler) and closes.
    private func refuse(_ status: HTTPResponseStatus, context: ChannelHandlerContext) {
        state = .refused
        guardian.record(status: Int(status.code))
        let body = "\(status.code) \(status.reasonPhrase)\n"
        let text = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let channel = context.channel
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: text))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

/// The handler of a connection over the bound: 503 with `Retry-After`, then close.
final class RefusingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        let body = "503 Service Unavailable: too many connections\n"
        let text = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let channel = context.channel
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: text))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
