import Coalition
import Discovery
import Foundation
import MediaCore
import MembershipCore
import NIOCore
import QoSModel
import ServiceCore

/// The seed corpus of the fuzz targets (`Fuzz/corpus/TARGET/NAME`, see Fuzz/README.md): real
/// values made by the project's own encoders: heartbeats and every other membership message,
/// queries, offers, reservations, units and their answers (framed with and without the
/// coalition key), a real TXT record, real control request lines, the committed profile, real
/// units, results, demux messages and worker pipe frames.
///
/// The key, the clock and the selector bytes are the fuzz targets' own (`WireFixtures.swift`,
/// and each target's doc comment).
enum FuzzSeeds {
    /// `WireFixtures.key`: 32 bytes 0x01...0x20.
    static let key = try! WireAuthenticator(key: Array(UInt8(1)...32))
    /// `WireFixtures.nowMilliseconds`.
    static let now: UInt64 = 1_800_000_000_000

    static let sender = MemberID("3a5f09c21e7d4b68")!
    static let peer = MemberID("b15ad9b0c4e2f713")!
    static let service = ServiceID("3a5f09c21e7d4b68/1")

    /// Every seed: target -> file name -> bytes.
    static func all() throws -> [String: [String: [UInt8]]] {
        var seeds: [String: [String: [UInt8]]] = [:]
        let membership = membershipMessages()
        let services = try serviceMessages()
        for (index, (name, message)) in membership.enumerated() {
            let plain = frame(message.wireType, body: body(of: message), keyed: false, nonce: UInt64(index))
            let keyed = frame(message.wireType, body: body(of: message), keyed: true, nonce: UInt64(index))
            seeds["wire-frame", default: [:]][name] = plain
            seeds["wire-frame-keyed", default: [:]][name] = keyed
            seeds["membership", default: [:]][name] = [0] + plain
            seeds["membership", default: [:]][name + "-keyed"] = [1] + keyed
        }
        for (index, (name, message)) in services.enumerated() {
            let body = Array(message.body().readableBytesView)
            let nonce = UInt64(100 + index)
            seeds["wire-frame", default: [:]][name] = frame(message.type, body: body, keyed: false, nonce: nonce)
            seeds["wire-frame-keyed", default: [:]][name] = frame(message.type, body: body, keyed: true, nonce: nonce)
            let selector = UInt8(serviceTypes.firstIndex(of: message.type)!)
            seeds["service-message", default: [:]][name] = [selector] + body
        }
        // A connection's worth of frames, as a requester and a member exchange them.
        for keyed in [false, true] {
            var stream: [UInt8] = [keyed ? 1 : 0]
            for (index, (_, message)) in services.enumerated() {
                stream += frame(message.type, body: Array(message.body().readableBytesView), keyed: keyed, nonce: UInt64(200 + index))
            }
            seeds["wire-stream", default: [:]][keyed ? "connection-keyed" : "connection"] = stream
            let (name, query) = services[0]
            seeds["wire-stream", default: [:]][name + (keyed ? "-keyed" : "")] =
                [keyed ? 1 : 0] + frame(query.type, body: Array(query.body().readableBytesView), keyed: keyed, nonce: 300)
        }
        seeds["txt-record"] = try txtRecords()
        seeds["control"] = try controlLines()
        seeds["media-unit"] = mediaSeeds()
        seeds["profile"] = try profiles()
        return seeds
    }

    static let serviceTypes: [WireMessageType] = [
        .serviceQuery, .serviceOffer, .serviceReserve, .serviceReserveAnswer, .serviceRenew, .serviceRenewAnswer,
        .serviceRelease, .serviceReleaseAnswer, .serviceUnit, .serviceUnitAnswer, .serviceUnitCancel, .serviceUnitCancelAnswer,
    ]

    static func frame(_ type: WireMessageType, body: [UInt8], keyed: Bool, nonce: UInt64) -> [UInt8] {
        var out = ByteBuffer()
        WireFrameEncoder(authenticator: keyed ? key : nil)
            .encode(type, body: ByteBuffer(bytes: body), into: &out, timestampMilliseconds: now, nonce: nonce)
        return Array(out.readableBytesView)
    }

    static func body(of message: MembershipMessage) -> [UInt8] {
        var buffer = ByteBuffer()
        message.encodeBody(into: &buffer)
        return Array(buffer.readableBytesView)
    }

    static func membershipMessages() -> [(String, MembershipMessage)] {
        let capacity = SpareCapacity(cores: 1.5, memoryAvailableBytes: 734_003 * 1024)
        return [
            ("heartbeat", .init(sender: sender, incarnation: 1_795_000_000_123, body: .heartbeat(sequence: 42, capacity: capacity))),
            ("probe", .init(sender: sender, incarnation: 7, body: .probe(nonce: 9))),
            ("ack", .init(sender: peer, incarnation: 7, body: .ack(nonce: 9, capacity: capacity))),
            ("probe-request-v4", .init(sender: sender, incarnation: 7, body: .probeRequest(nonce: 3, target: peer, targetAddress: PeerAddress(host: "10.42.0.2", port: 7946)))),
            ("probe-request-v6", .init(sender: sender, incarnation: 7, body: .probeRequest(nonce: 4, target: peer, targetAddress: PeerAddress(host: "fd00::42:2", port: 7946)))),
            ("indirect-ack", .init(sender: sender, incarnation: 7, body: .indirectAck(nonce: 3, target: peer, targetIncarnation: 99))),
            ("alive", .init(sender: sender, incarnation: MembershipMessage.maximumIncarnation, body: .alive)),
            ("dead", .init(sender: sender, incarnation: 7, body: .dead(subject: peer, subjectIncarnation: 98))),
            ("leave", .init(sender: sender, incarnation: 7, body: .leave)),
        ]
    }

    static func serviceMessages() throws -> [(String, ServiceMessage)] {
        let hd = QoSLevel(video: .hd, audio: .high)
        let sd = QoSLevel(video: .sd, audio: .high)
        let unit = MediaUnitEncoding.encode(MediaSeeds.videoUnit())
        let result = MediaUnitEncoding.encode(MediaSeeds.result())
        let profile = try CapabilityProfile.decode(Data(contentsOf: repositoryRoot.appendingPathComponent("profiles/amd-epyc.vm.json")))
        let hd24 = InputDescription(codec: .h264, width: 1280, height: 720, frameRateNumerator: 24, frameRateDenominator: 1)!
        guard let estimate = profile.streamEstimate(of: QoSLevel(video: .hd), input: hd24) else {
            throw CocoaError(.coderInvalidValue)
        }
        return [
            ("service-query", .query(request: 1, sender: sender, service: service, ladder: [hd, sd, QoSLevel(audio: .low)])),
            ("service-offer", .offer(request: 1, responder: peer, shares: [0.4, 1, 0], reasons: ["", "", "no spare CPU: 0.1 cores left"])),
            ("service-reserve", .reserve(request: 2, sender: sender, service: service, level: hd, share: 0.4)),
            ("service-reserve-answer", .reserveAnswer(request: 2, accepted: true, available: 0.6, reason: "")),
            ("service-renew", .renew(request: 3, sender: sender, services: [service, ServiceID("3a5f09c21e7d4b68/2")])),
            ("service-renew-answer", .renewAnswer(request: 3, unknown: [ServiceID("3a5f09c21e7d4b68/2")])),
            ("service-release", .release(request: 4, sender: sender, service: service)),
            ("service-release-answer", .releaseAnswer(request: 4)),
            ("service-unit", .unit(request: 5, sender: sender, service: service, plan: .full, unit: unit)),
            ("service-unit-answer", .unitAnswer(request: 5, outcome: .result(result))),
            ("service-unit-refused", .unitAnswer(request: 6, outcome: .refused(.busy))),
            // The trailing fields of weighted reclaim (issue 17).
            ("service-query-weighted", .query(request: 7, sender: sender, service: service, ladder: [hd, sd], weight: 5)),
            ("service-reserve-claim", .reserve(
                request: 8, sender: sender, service: service, level: hd, share: 1, claim: ReservationClaim(weight: 5, ladder: [hd, sd]))),
            // The trailing input of `node request --input` and the demand a member estimated for it.
            ("service-query-input", .query(
                request: 10, sender: sender, service: service, ladder: [hd], weight: 1,
                input: InputDescription(codec: .h264, width: 960, height: 540, frameRateNumerator: 30, frameRateDenominator: 1))),
            ("service-reserve-input", .reserve(
                request: 11, sender: sender, service: service, level: hd, share: 0.5, claim: ReservationClaim(ladder: [hd]),
                input: InputDescription(codec: .h264, width: 1280, height: 720, frameRateNumerator: 30000, frameRateDenominator: 1001))),
            // An input priced at what its units were measured to cost (a recalibration).
            ("service-reserve-input-calibrated", .reserve(
                request: 12, sender: sender, service: service, level: hd, share: 0.55, claim: ReservationClaim(ladder: [hd]),
                input: InputDescription(codec: .h264, width: 1280, height: 720, frameRateNumerator: 24, frameRateDenominator: 1)!
                    .calibrated(by: 0.571))),
            ("service-reserve-answer-demand", .reserveAnswer(
                request: 11, accepted: true, available: 0.5, reason: "", demand: Demand(cpuCores: 0.0755, memoryBytes: 12_202_496))),
            ("service-renew-answer-step-downs", .renewAnswer(
                request: 9, unknown: [],
                stepDowns: [
                    StepDown(service: service, level: sd, reason: "stepped down for a service of weight 5 (this one weighs 1)"),
                    StepDown(service: ServiceID("3a5f09c21e7d4b68/2"), level: nil, reason: "taken back"),
                ])),
            // A unit given up by its requester, what the member found, and the unit's own answer.
            ("service-unit-cancel", .unitCancel(request: 12, sender: sender, service: service, unit: UnitKey(stream: 1, sequence: 41))),
            ("service-unit-cancel-answer", .unitCancelAnswer(request: 12, outcome: .stopped)),
            ("service-unit-cancelled", .unitAnswer(request: 5, outcome: .cancelled)),
            // What the demand is made of (decode, hash, basis), as the committed profile estimates
            // the stream benchmark's 720p24 input.
            ("service-reserve-answer-estimate", .reserveAnswer(
                request: 12, accepted: true, available: 0.5, reason: "", demand: estimate.demand,
                estimate: CPUEstimate(
                    cpuPerMediaSecond: estimate.demand.cpuCores, decodeCPUPerMediaSecond: estimate.decodeCPUSecondsPerMediaSecond,
                    hashCPUPerMediaSecond: estimate.hashCPUSecondsPerMediaSecond, basis: estimate.description))),
        ]
    }

    static func txtRecords() throws -> [String: [UInt8]] {
        let announcement = Announcement(
            nodeID: NodeID(hex: "3a5f09c21e7d4b68")!, incarnation: 1_795_000_000_123, name: "board-1", cores: 4,
            memoryMiB: 3884, profileID: "raspberry-pi-4b", heartbeatPort: 7946, queryPort: 7947)
        var small = announcement
        small.name = "pi zero w"
        small.cores = 1
        small.memoryMiB = 427
        small.profileID = "amd-epyc.vm"
        func rdata(_ a: Announcement) throws -> [UInt8] {
            try TXTRecord.encode(a).flatMap { entry in [UInt8(entry.utf8.count)] + Array(entry.utf8) }
        }
        return ["board-1": try rdata(announcement), "pi-zero": try rdata(small)]
    }

    static func controlLines() throws -> [String: [UInt8]] {
        func line<Call: ControlCall>(_: Call.Type, _ parameters: Call.Parameters) throws -> [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Array(try encoder.encode(ControlRequestLine<Call>(parameters))) + [UInt8(ascii: "\n")]
        }
        let request = ServiceRequestParameters(
            try ServiceRequest(ladder: [QoSLevel(video: .hd, audio: .high), QoSLevel(video: .sd, audio: .high)]), watch: true)
        let status = try line(StatusCall.self, Empty())
        return [
            "request": try line(RequestCall.self, request),
            "release": try line(ReleaseCall.self, ServiceReleaseParameters(service: "31901bd4/1")),
            "watch-services": try line(WatchServicesCall.self, WatchServicesParameters(service: "31901bd4/1")),
            "stream": try line(StreamCall.self, StreamParameters(input: "/media/talk.mp4", latencyMillis: 1500, unitSeconds: 0.5)),
            "status-ping-services": status + (try line(PingCall.self, Empty())) + (try line(ServicesCall.self, Empty())),
        ]
    }

    static func mediaSeeds() -> [String: [UInt8]] {
        let streams = DemuxMessage.streams([
            StreamDescription(index: 0, parameters: MediaSeeds.videoUnit().parameters, startTime: 0, duration: 122_880),
            StreamDescription(index: 1, parameters: MediaSeeds.audioUnit().parameters, startTime: -1024),
        ])
        let unit = MediaUnitEncoding.encode(MediaSeeds.audioUnit())
        let result = MediaUnitEncoding.encode(MediaSeeds.result())
        return [
            "unit-video": [0] + MediaUnitEncoding.encode(MediaSeeds.videoUnit()),
            "unit-audio": [0] + unit,
            "result": [1] + result,
            "result-failed": [1] + MediaUnitEncoding.encode(UnitResult(sequence: 3, stream: 1, frames: [], failure: .invalidData, cpuNanoseconds: 5)),
            // The optional thumbnail sections of contact sheets.
            "unit-video-thumbnails": [0] + MediaUnitEncoding.appending(
                ThumbnailRequest(interval: 24_576, origin: 0, tileWidth: 4, tileHeight: 2), toUnit: MediaUnitEncoding.encode(MediaSeeds.videoUnit())),
            "result-thumbnails": [1] + MediaUnitEncoding.encode(UnitResult(
                sequence: 7, stream: 0, frames: MediaSeeds.result().frames, cpuNanoseconds: 9,
                thumbnails: [
                    Thumbnail(index: 1, pts: 24_576, width: 2, height: 2, rgb: (0..<12).map { UInt8($0 * 20) }),
                    Thumbnail(index: 2, pts: 49_152, width: 2, height: 2, rgb: [UInt8](repeating: 128, count: 12)),
                ])),
            "demux-streams": [2] + streams.encoded(),
            "demux-unit": [2] + DemuxMessage.unit(unit).encoded(),
            "demux-end": [2] + DemuxMessage.end(packets: 1234).encoded(),
            "demux-failure": [2] + DemuxMessage.failure(code: "invalid-data", message: "input.mp4: packet 17 of stream 0 at 2.4 s cannot be read").encoded(),
            "pipe-request-result": [3] + WorkerPipe.frame(WorkerPipe.decodeRequest(unit: Array(unit.prefix(600)), plan: .full))
                + WorkerPipe.frame(Array(result.prefix(300))),
            "pipe-demux": [3] + WorkerPipe.frame(DemuxMessage.end(packets: 9).encoded()) + WorkerPipe.frame(DemuxMessage.failure(code: "eof", message: "cut").encoded()),
        ]
    }

    /// The committed profile as it is in profiles/, and as `encoded()` writes it.
    static func profiles() throws -> [String: [UInt8]] {
        let file = repositoryRoot.appendingPathComponent("profiles/amd-epyc.vm.json")
        let data = try Data(contentsOf: file)
        let profile = try CapabilityProfile.decode(data)
        return ["amd-epyc.vm": Array(data), "amd-epyc.vm-encoded": Array(try profile.encoded())]
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Real units and results, small enough for the fuzzer's input sizes.
enum MediaSeeds {
    static func videoUnit() -> MediaUnit {
        let parameters = CodecParameters(
            codec: .h264, timeBase: TimeBase(numerator: 1, denominator: 12_800), extradata: [1, 100, 0, 31, 0xff, 0xe1, 0, 0x19],
            width: 1280, height: 720, pixelFormat: 0, frameRate: TimeBase(numerator: 25, denominator: 1), bitRate: 2_500_000)
        var packets: [MediaPacket] = []
        for index in 0..<12 {
            let time = Int64(index) * 512
            var data: [UInt8] = []
            for byte in 0..<(index * 11 % 40 + 4) { data.append(UInt8(truncatingIfNeeded: byte * 37 + index)) }
            packets.append(MediaPacket(
                pts: time + 1024, dts: time, duration: 512, isKeyframe: index == 0, isDisposable: index % 3 == 2, data: data))
        }
        return MediaUnit(
            sequence: 7, stream: 0, parameters: parameters, emit: PresentationRange(start: 1024, end: 1024 + 12 * 512),
            preRoll: 0, packets: packets)
    }

    static func audioUnit() -> MediaUnit {
        let parameters = CodecParameters(
            codec: .aac, timeBase: TimeBase(numerator: 1, denominator: 48_000), extradata: [0x11, 0x90],
            width: 0, height: 0, pixelFormat: -1, frameRate: nil, sampleRate: 48_000, channels: 2, sampleFormat: 8, bitRate: 128_000)
        var packets: [MediaPacket] = []
        for index in 0..<8 {
            let time = Int64(index - 2) * 1024
            var data: [UInt8] = []
            for byte in 0..<24 { data.append(UInt8(truncatingIfNeeded: byte + index)) }
            let trim: UInt32 = index == 2 ? 512 : 0
            packets.append(MediaPacket(pts: time, dts: time, duration: 1024, isKeyframe: true, data: data, trimStart: trim))
        }
        return MediaUnit(
            sequence: 8, stream: 1, parameters: parameters, emit: PresentationRange(start: 0, end: nil), preRoll: 2, packets: packets)
    }

    static func result() -> UnitResult {
        var frames: [DecodedFrame] = []
        for index in 0..<12 {
            var md5: [UInt8] = []
            for byte in 0..<16 { md5.append(UInt8(truncatingIfNeeded: byte * 17 + index)) }
            frames.append(DecodedFrame(pts: Int64(index) * 512, duration: 512, byteCount: 1_382_400, md5: md5))
        }
        return UnitResult(sequence: 7, stream: 0, frames: frames, cpuNanoseconds: 123_456_789)
    }
}
