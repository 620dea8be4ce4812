import Coalition
import Foundation
import NIOCore

/// The control socket: `ControlLineDecoder` cuts the stream into lines, then each line is read
/// as `ControlRouter` reads it (the `v` and `op` head, then the operation's own parameters as
/// its `ControlRequestLine`).
///
/// Checked: the same lines however the bytes arrive; no line over the limit; a line that
/// decodes as a request re-encodes to a line that decodes to the same parameters (JSON is not
/// canonical: key order and spacing are free, so the check is semantic).
enum ControlTarget {
    static let target = FuzzTarget(
        name: "control",
        summary: "ControlLineDecoder (whole and chunked) and the request line decoding of every op"
    ) { bytes in
        // A small limit reaches the too-long paths with short inputs; the real one reads requests.
        for limit in [48, ControlProtocol.maximumRequestBytes] {
            let whole = lines(bytes, limit: limit, chunked: false)
            Fuzz.check(whole == lines(bytes, limit: limit, chunked: true), "chunked input yields other lines")
            for case .line(let line) in whole { Fuzz.check(line.readableBytes <= limit, "a line over the limit") }
            guard limit == ControlProtocol.maximumRequestBytes else { continue }
            for case .line(let line) in whole.prefix(4) { checkRequest(Data(line.readableBytesView)) }
        }
    }

    static func lines(_ bytes: [UInt8], limit: Int, chunked: Bool) -> [ControlLine] {
        var decoder = ControlLineDecoder(maximumLength: limit)
        var buffer = ByteBuffer()
        var sizes = ChunkSizes(for: bytes)
        var lines: [ControlLine] = []
        var offset = 0
        while offset < bytes.count {
            let size = chunked ? min(sizes.next(maximum: 128), bytes.count - offset) : bytes.count
            buffer.writeBytes(bytes[offset..<offset + size])
            offset += size
            // One line is one decode: the budget is per line (a stream holds many). A rerun
            // (see Fuzz.timed) starts again from the state before the first.
            while true {
                let (savedDecoder, savedBuffer) = (decoder, buffer)
                let next = Fuzz.timed("control line") {
                    decoder = savedDecoder
                    buffer = savedBuffer
                    return try? decoder.next(&buffer)
                }
                guard let line = next else { break }
                lines.append(line)
            }
        }
        return lines
    }

    /// What the router reads first, loosely.
    private struct Head: Decodable {
        var v: Int?
        var op: String?
    }

    static func checkRequest(_ line: Data) {
        guard let head = Fuzz.timed("control head", { try? JSONDecoder().decode(Head.self, from: line) }),
            let op = head.op.flatMap(ControlOperation.init(rawValue:))
        else { return }
        switch op {
        case .request: roundTrip(RequestCall.self, line)
        case .release: roundTrip(ReleaseCall.self, line)
        case .watchServices: roundTrip(WatchServicesCall.self, line)
        case .stream: roundTrip(StreamCall.self, line)
        case .ping: roundTrip(PingCall.self, line)
        case .status, .membership, .watchMembership, .services: roundTrip(StatusCall.self, line)
        }
    }

    static func roundTrip<Call: ControlCall>(_: Call.Type, _ line: Data) where Call.Parameters: Equatable {
        let decoded = Fuzz.timed("control \(Call.operation)") { try? JSONDecoder().decode(ControlRequestLine<Call>.self, from: line) }
        guard let decoded, decoded.op == Call.operation else { return }
        guard let encoded = try? JSONEncoder().encode(decoded) else {
            Fuzz.check(false, "a decoded \(Call.operation) request does not encode")
            return
        }
        let again = try? JSONDecoder().decode(ControlRequestLine<Call>.self, from: encoded)
        Fuzz.check(again?.parameters == decoded.parameters && again?.v == decoded.v, "\(Call.operation) request does not round-trip")
    }
}
