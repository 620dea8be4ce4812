import Discovery
import Foundation
import MembershipCore
import NIOCore
import QoSModel
import ServiceCore
import Testing
@testable import Coalition

/// `Sources/Coalition/Wire/PROTOCOL.md` against the code, so the document cannot drift: its
/// tables of types, bodies, TXT keys and limits, and its example frames, are what the code does.
@Suite struct WireProtocolDocumentTests {
    private let document: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = root.appendingPathComponent("Sources/Coalition/Wire/PROTOCOL.md")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    /// The lines between `<!-- name -->` and `<!-- /name -->`.
    private func section(_ name: String) -> [Substring] {
        let lines = document.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "<!-- \(name) -->"), let end = lines.firstIndex(of: "<!-- /\(name) -->"), start < end
        else { return [] }
        return Array(lines[(start + 1)..<end])
    }

    /// The cells of a table's data rows (header and rule skipped), backticks removed.
    private func rows(_ name: String) -> [[String]] {
        section(name).filter { $0.hasPrefix("|") }.dropFirst(2).map { line in
            line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
        }
    }

    /// The hex in the code block after `<!-- name -->`, as bytes.
    private func example(_ name: String) -> [UInt8] {
        let lines = document.split(separator: "\n", omittingEmptySubsequences: false)
        guard let marker = lines.firstIndex(of: "<!-- \(name) -->"), marker + 2 < lines.count, lines[marker + 1] == "```" else { return [] }
        let hex = Array(lines[marker + 2].utf8)
        return stride(from: 0, to: hex.count - 1, by: 2).compactMap { UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16) }
    }

    @Test func theDocumentIsFound() {
        #expect(document.hasPrefix("# The Coalition wire protocol, version \(WireFormat.version)"))
    }

    @Test func theMessageTypeTableIsEveryTypeWithItsNumberNameTransportAndLimit() {
        let table = rows("message-types")
        #expect(table.count == WireMessageType.all.count)
        #expect(table.map { $0[0] } == WireMessageType.all.map { String($0.rawValue) })
        #expect(table.map { $0[1] } == WireMessageType.all.map(\.name))
        #expect(table.map { $0[2] } == WireMessageType.all.map { WireMessageType.membership.contains($0) ? "UDP" : "TCP" })
        #expect(table.map { $0[3] } == WireMessageType.all.map { String($0.maximumBodyLength) })
        // Numbered 1, 2, 3, ... with none skipped nor reused.
        #expect(WireMessageType.all.map(\.rawValue) == Array(1...UInt8(WireMessageType.all.count)))
    }

    @Test func theBodyTablesNameEveryMembershipAndServiceType() {
        let membership = rows("membership-bodies")
        #expect(membership.map { "\($0[0]) \($0[1])" } == WireMessageType.membership.map { "\($0.rawValue) \($0.name)" })
        // Each request, then its answer (the next number).
        let services = zip(ServiceMessage.requestTypes, ServiceMessage.answerTypes).flatMap { [$0, $1] }
        #expect(zip(ServiceMessage.requestTypes, ServiceMessage.answerTypes).allSatisfy { $1.rawValue == $0.rawValue + 1 })
        #expect(rows("service-bodies").map { "\($0[0]) \($0[1])" } == services.map { "\($0.rawValue) \($0.name)" })
    }

    @Test func theTXTKeysAreThoseTheCodeWrites_inItsOrder() throws {
        let announcement = Announcement(
            nodeID: try #require(NodeID(hex: "00000000000000a1")), incarnation: 1_764_720_000_000, name: "board-1", cores: 4,
            memoryMiB: 3800, profileID: "pi4", heartbeatPort: 7946, queryPort: 7947)
        let written = try TXTRecord.encode(announcement).map { String($0.prefix { $0 != "=" }) }
        #expect(rows("txt-keys").map { $0[0] } == written)
        #expect(document.contains("`\(DiscoveryAgent.Configuration().serviceType)`"))
        #expect(written.first == "txtvers" && document.contains("exactly `\(TXTRecord.version)`"))
    }

    @Test func everyLimitQuotedIsTheCodesConstant() {
        let actual: [String: String] = [
            "WireFormat.magic": String(WireFormat.magic),
            "WireFormat.version": String(WireFormat.version),
            "WireFormat.headerLength": String(WireFormat.headerLength),
            "WireFormat.trailerLength": String(WireFormat.trailerLength),
            "WireFormat.tagLength": String(WireFormat.tagLength),
            "ReplayGuard().window, ms": String(Int(ReplayGuard().window / .milliseconds(1))),
            "ReplayGuard().capacity": String(ReplayGuard().capacity),
            "CoalitionKeyFile.minimumKeyLength": String(CoalitionKeyFile.minimumKeyLength),
            "CoalitionKeyFile.maximumKeys": String(CoalitionKeyFile.maximumKeys),
            "CoalitionKeyFile.generatedKeyBytes": String(CoalitionKeyFile.generatedKeyBytes),
            "TXTRecord.version": String(TXTRecord.version),
            "TXTRecord.maximumWireBytes": String(TXTRecord.maximumWireBytes),
            "TXTRecord.maximumNameBytes": String(TXTRecord.maximumNameBytes),
            "TXTRecord.maximumProfileBytes": String(TXTRecord.maximumProfileBytes),
            "TXTRecord.maximumCores": String(TXTRecord.maximumCores),
            "TXTRecord.maximumMemoryMiB": String(TXTRecord.maximumMemoryMiB),
            "MemberID.byteCount": String(MemberID.byteCount),
            "MembershipMessage.maximumIncarnation": String(MembershipMessage.maximumIncarnation),
            "MembershipMessage.maximumMilliCores": String(MembershipMessage.maximumMilliCores),
            "MembershipConfiguration().maximumMembers": String(MembershipConfiguration().maximumMembers),
            "ServiceMessage.maximumLadder": String(ServiceMessage.maximumLadder),
            "ServiceMessage.maximumServices": String(ServiceMessage.maximumServices),
            "ServiceMessage.maximumServiceIDBytes": String(ServiceMessage.maximumServiceIDBytes),
            "ServiceMessage.maximumReasonBytes": String(ServiceMessage.maximumReasonBytes),
            "ServiceMessage.maximumUnitBytes": String(ServiceMessage.maximumUnitBytes),
            "ServiceMessage.maximumUnitResultBytes": String(ServiceMessage.maximumUnitResultBytes),
            "ServiceServer.Configuration().maximumUnitsInFlight": String(ServiceServer.Configuration().maximumUnitsInFlight),
            "ReservationConfiguration().leaseDuration, s": String(Int(ReservationConfiguration().leaseDuration / .seconds(1))),
            "ReservationConfiguration().maximumReservations": String(ReservationConfiguration().maximumReservations),
        ]
        let quoted = Dictionary(rows("limits").map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(quoted.keys) == Set(actual.keys))
        for (name, value) in actual {
            #expect(quoted[name] == value, "\(name)")
        }
    }

    @Test func everyDropReasonIsNamed() {
        for reason in WireDropReason.allCases {
            #expect(document.contains("`\(reason.rawValue)`"), "\(reason)")
        }
    }

    @Test func theLevelBytesFollowThePresetsOrder() {
        #expect(document.contains("| video | none | " + VideoLevel.allCases.map(\.rawValue).joined(separator: " | ") + " |"))
        #expect(document.contains("| audio | none | " + AudioLevel.allCases.map(\.rawValue).joined(separator: " | ") + " |"))
    }

    private let heartbeat = MembershipMessage(
        sender: MemberID("00000000000000a1")!, incarnation: 1_764_720_000_000,
        body: .heartbeat(sequence: 7, capacity: SpareCapacity(cores: 1.5, memoryAvailableBytes: 512 << 20)))

    private func frame(_ message: MembershipMessage, encoder: WireFrameEncoder, timestamp: UInt64, nonce: UInt64) -> [UInt8] {
        var buffer = ByteBuffer()
        encoder.encode(message.wireType, into: &buffer, timestampMilliseconds: timestamp, nonce: nonce) { message.encodeBody(into: &$0) }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    @Test func theHeartbeatExampleIsWhatTheEncoderWrites() throws {
        let bytes = frame(heartbeat, encoder: WireFrameEncoder(), timestamp: 0, nonce: 0)
        #expect(example("example-heartbeat") == bytes)
        #expect(bytes.count == 46 && document.contains("A heartbeat frame is 46 bytes (78 with the trailer)"))
        var decoder = WireFrameDecoder(accepting: WireMessageType.membership)
        let decoded = try decoder.decode(datagram: ByteBuffer(bytes: bytes), nowMilliseconds: 0).get()
        #expect(try MembershipMessage(frame: decoded) == heartbeat)
    }

    @Test func theTaggedExampleIsWhatTheEncoderWritesUnderTheExampleKey_andVerifies() throws {
        let key = Array("an example coalition key, 32 B!!".utf8)
        #expect(key.count == 32)
        let authenticator = try WireAuthenticator(key: key)
        let timestamp: UInt64 = 1_764_720_000_123
        let bytes = frame(heartbeat, encoder: WireFrameEncoder(authenticator: authenticator), timestamp: timestamp, nonce: 0x0123_4567_89ab_cdef)
        #expect(example("example-tagged-heartbeat") == bytes)
        #expect(bytes.count == 46 + WireFormat.trailerLength)
        var decoder = WireFrameDecoder(accepting: WireMessageType.membership, authenticator: authenticator)
        let decoded = try decoder.decode(datagram: ByteBuffer(bytes: bytes), nowMilliseconds: timestamp + 10).get()
        #expect(try MembershipMessage(frame: decoded) == heartbeat)
        // The same frame again is a replay; a frame under another key does not verify.
        #expect(decoder.decode(datagram: ByteBuffer(bytes: bytes), nowMilliseconds: timestamp + 20).failureReason == .replayed)
        var stranger = WireFrameDecoder(
            accepting: WireMessageType.membership, authenticator: try WireAuthenticator(key: Array("another key, not the coalition's".utf8)))
        #expect(stranger.decode(datagram: ByteBuffer(bytes: bytes), nowMilliseconds: timestamp).failureReason == .badTag)
    }
}
