import Foundation
import NIOCore

/// What a framed TCP stream yields: a frame, or the reason the stream became unusable (the
/// handler then counts it and disconnects the peer).
enum WireStreamEvent: Sendable {
    case frame(WireFrame)
    case dropped(WireDropReason)
}

/// Cuts a TCP stream into `WireFrame`s with `WireFrameDecoder`, which checks the header, the
/// type's size limit and the tag before a body is awaited or handed on.
struct WireStreamDecoder: ByteToMessageDecoder {
    typealias InboundOut = WireStreamEvent
    private var decoder: WireFrameDecoder
    private var failed = false

    /// - Parameter replay: the replay memory shared by every connection of the listener or
    ///   client, so a frame captured on one connection is refused on another.
    init(accepting types: [WireMessageType], keyring: WireKeyring?, replay: SharedReplayGuard) {
        decoder = WireFrameDecoder(accepting: types, keyring: keyring, sharedReplayGuard: replay)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard !failed else {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        switch decoder.decode(stream: &buffer, nowMilliseconds: WireFormat.nowMilliseconds()) {
        case .frame(let frame):
            context.fireChannelRead(wrapInboundOut(.frame(frame)))
            return .continue
        case .needMoreData:
            return .needMoreData
        case .drop(let reason):
            failed = true
            buffer.moveReaderIndex(to: buffer.writerIndex)
            context.fireChannelRead(wrapInboundOut(.dropped(reason)))
            return .needMoreData
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// A random nonce per frame, for the replay window.
func frameNonce() -> UInt64 { UInt64.random(in: .min ... .max) }
