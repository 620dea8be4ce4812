import NIOCore

/// One frame of the control stream: a complete line, or notice that a line was too long
/// (its bytes are skipped up to the next newline, so the stream stays in step).
public enum ControlLine: Sendable, Equatable {
    case line(ByteBuffer)
    case tooLong
}

/// Splits a byte stream at `\n` (a trailing `\r` is dropped), never buffering more than
/// `maximumLength` bytes of one line.
public struct ControlLineDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ControlLine
    public let maximumLength: Int
    private var discarding = false

    public init(maximumLength: Int) { self.maximumLength = maximumLength }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try next(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// The pure step: the next frame in `buffer`, or nil when more bytes are needed.
    public mutating func next(_ buffer: inout ByteBuffer) throws -> ControlLine? {
        while true {
            let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n"))
            if discarding {
                guard let newline else {
                    buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                    return nil
                }
                buffer.moveReaderIndex(to: newline + 1)
                discarding = false
                continue
            }
            guard let newline else {
                if buffer.readableBytes > maximumLength {
                    buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                    discarding = true
                    return .tooLong
                }
                return nil
            }
            let length = newline - buffer.readerIndex
            if length > maximumLength {
                buffer.moveReaderIndex(to: newline + 1)
                return .tooLong
            }
            var line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            if line.readableBytesView.last == UInt8(ascii: "\r") { line = line.getSlice(at: line.readerIndex, length: line.readableBytes - 1)! }
            return .line(line)
        }
    }
}
