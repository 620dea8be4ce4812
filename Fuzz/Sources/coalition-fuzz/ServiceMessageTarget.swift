import Coalition
import NIOCore
import QoSModel
import ServiceCore

/// The bodies of the query, reservation and work messages (`ServiceMessage.decode`), the frame
/// taken as read: the first input byte picks the type (of the 12), the rest is the body.
///
/// Canonical (checked): a message that decodes re-encodes to exactly its body. (Its reasons are
/// cut to 512 bytes when encoded and refused over 512 when decoded, so nothing is lost.)
enum ServiceMessageTarget {
    static let target = FuzzTarget(
        name: "service-message",
        summary: "ServiceMessage.decode: query, offer, reserve, renew, release, unit, unitCancel and their answers"
    ) { bytes in
        guard let first = bytes.first else { return }
        let type = WireFixtures.serviceTypes[Int(first) % WireFixtures.serviceTypes.count]
        let body = ByteBuffer(bytes: bytes.dropFirst())
        guard body.readableBytes <= type.maximumBodyLength else { return }
        checkBody(WireFrame(type: type, body: body))
    }

    /// A service body decodes within its limits and re-encodes to the same bytes.
    static func checkBody(_ frame: WireFrame) {
        let result = Fuzz.timed("service-message decode \(frame.type)") { ServiceMessage.decode(frame) }
        guard case .success(let message) = result else { return }
        Fuzz.check(message.type == frame.type, "\(frame.type) decoded as \(message.type)")
        checkLimits(message)
        Fuzz.check(message.body() == frame.body, "\(frame.type) does not re-encode to its body")
    }

    static func checkLimits(_ message: ServiceMessage) {
        switch message {
        case .query(_, _, let service, let ladder, let weight, let input):
            Fuzz.check((1...ServiceMessage.maximumLadder).contains(ladder.count), "ladder of \(ladder.count) levels")
            Fuzz.check(service.rawValue.utf8.count <= ServiceMessage.maximumServiceIDBytes, "service id over its limit")
            Fuzz.check(weight.map { $0.isFinite && $0 > 0 && $0 <= ReservationClaim.maximumWeight } ?? true, "weight out of range")
            Fuzz.check(input == nil || weight != nil, "an input without the weight before it")
            checkInput(input)
        case .offer(_, _, let shares, let reasons):
            Fuzz.check(shares.count <= ServiceMessage.maximumLadder && shares.count == reasons.count, "offer of \(shares.count) shares")
            Fuzz.check(reasons.allSatisfy { $0.utf8.count <= ServiceMessage.maximumReasonBytes }, "reason over its limit")
            Fuzz.check(shares.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1024 }, "share out of range")
        case .reserve(_, _, _, _, let share, let claim, let input):
            Fuzz.check(share.isFinite && share > 0 && share <= 64, "reserved share out of range")
            if let claim {
                Fuzz.check(claim.weight.isFinite && claim.weight > 0 && claim.weight <= ReservationClaim.maximumWeight, "weight out of range")
                Fuzz.check((1...ServiceMessage.maximumLadder).contains(claim.ladder.count), "claim ladder of \(claim.ladder.count) levels")
            }
            Fuzz.check(input == nil || claim != nil, "an input without the claim before it")
            checkInput(input)
        case .reserveAnswer(_, _, let available, let reason, let demand, let estimate):
            Fuzz.check(available.isFinite && available >= 0, "available out of range")
            Fuzz.check(reason.utf8.count <= ServiceMessage.maximumReasonBytes, "reason over its limit")
            if let demand {
                Fuzz.check(
                    demand.cpuCores.isFinite && demand.cpuCores >= 0 && demand.cpuCores <= ServiceMessage.maximumDemandCores,
                    "demand's cores out of range")
                Fuzz.check(demand.memoryBytes <= ServiceMessage.maximumDemandBytes, "demand's memory out of range")
            }
            if let estimate {
                Fuzz.check(demand != nil, "estimate parts without a demand")
                Fuzz.check(estimate.cpuPerMediaSecond == demand?.cpuCores, "estimate's total is not the demand's cores")
                for part in [estimate.decodeCPUPerMediaSecond, estimate.hashCPUPerMediaSecond].compactMap({ $0 }) {
                    Fuzz.check(part.isFinite && part >= 0 && part <= ServiceMessage.maximumDemandCores, "estimate part out of range")
                }
                Fuzz.check(estimate.decodeCPUPerMediaSecond != nil, "estimate parts without decode")
                Fuzz.check((estimate.basis ?? "").utf8.count <= ServiceMessage.maximumBasisBytes, "basis over its limit")
            }
        case .renew(_, _, let services):
            Fuzz.check(services.count <= ServiceMessage.maximumServices, "\(services.count) services")
        case .renewAnswer(_, let services, let stepDowns):
            Fuzz.check(services.count <= ServiceMessage.maximumServices, "\(services.count) services")
            Fuzz.check(stepDowns.count <= ServiceMessage.maximumServices, "\(stepDowns.count) step-downs")
            Fuzz.check(stepDowns.allSatisfy { $0.reason.utf8.count <= ServiceMessage.maximumReasonBytes }, "reason over its limit")
        case .unit(_, _, _, _, let unit):
            Fuzz.check(unit.count <= ServiceMessage.maximumUnitBytes, "unit over its limit")
        case .unitAnswer(_, .result(let result)):
            Fuzz.check(result.count <= ServiceMessage.maximumUnitResultBytes, "unit result over its limit")
        case .unitCancel(_, _, let service, _):
            Fuzz.check(service.rawValue.utf8.count <= ServiceMessage.maximumServiceIDBytes, "service id over its limit")
        case .release, .releaseAnswer, .unitAnswer(_, .refused), .unitAnswer(_, .cancelled), .unitCancelAnswer:
            break
        }
    }

    /// An input description within `InputDescription`'s ranges.
    static func checkInput(_ input: InputDescription?) {
        guard let input else { return }
        Fuzz.check((1...InputDescription.maximumDimension).contains(input.width), "input width \(input.width)")
        Fuzz.check((1...InputDescription.maximumDimension).contains(input.height), "input height \(input.height)")
        Fuzz.check(InputDescription.frameRates.contains(input.framesPerSecond), "input frame rate \(input.framesPerSecond)")
    }
}
