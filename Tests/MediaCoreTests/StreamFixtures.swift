import MediaCore
import MembershipCore

/// Builders shared by the stream tests: members, units of 1 s at 24 fps, their results.
enum Fixture {
    /// Member `n` (16 hex digits).
    static func member(_ n: Int) -> MemberID {
        let hex = String(n, radix: 16)
        return MemberID(String(repeating: "0", count: 16 - hex.count) + hex)!
    }

    static let timeBase = TimeBase(numerator: 1, denominator: 24)

    /// Unit `sequence` of `stream`: `frames` frames at pts `sequence × frames ..<`, 1 s long.
    static func unit(
        _ sequence: UInt32, stream: UInt8 = 0, frames: Int = 24, disposable: Int = 0, kind: StreamKind = .video,
        cost: Double? = nil, seconds: Double = 1
    ) -> UnitMetadata {
        let start = Int64(sequence) * Int64(frames)
        return UnitMetadata(
            key: UnitKey(stream: stream, sequence: sequence), kind: kind,
            timeBase: TimeBase(numerator: 1, denominator: Int32(frames)),
            emit: PresentationRange(start: start, end: start + Int64(frames)),
            mediaDuration: .nanoseconds(Int64(seconds * 1e9)), frameCount: frames, disposableFrameCount: disposable, cost: cost)
    }

    /// A full answer for `unit` (`keep` frames when fewer, the first ones).
    static func result(for unit: UnitMetadata, keep: Int? = nil, cpu: UInt64 = 500_000_000) -> UnitResult {
        let count = keep ?? unit.frameCount
        let frames = (0..<count).map { index in
            let pts = unit.emit.start + Int64(index)
            return DecodedFrame(pts: pts, duration: 1, byteCount: 16, md5: (0..<16).map { UInt8(truncatingIfNeeded: Int(pts) &* 31 &+ $0) })
        }
        return UnitResult(sequence: unit.key.sequence, stream: unit.key.stream, frames: frames, cpuNanoseconds: cpu)
    }

    static func failure(for unit: UnitMetadata, _ failure: UnitFailure) -> UnitResult {
        UnitResult(sequence: unit.key.sequence, stream: unit.key.stream, frames: [], failure: failure, cpuNanoseconds: 1_000)
    }

    static func at(_ seconds: Double) -> MediaInstant { MediaInstant(nanoseconds: Int64((seconds * 1e9).rounded())) }
}

extension Array where Element == StreamDirective {
    /// The `.send`s, as (unit, member).
    var sends: [(key: UnitKey, member: MemberID)] {
        compactMap { if case .send(let key, let member, _) = $0 { (key, member) } else { nil } }
    }

    var cancels: [(key: UnitKey, member: MemberID)] {
        compactMap { if case .cancel(let key, let member) = $0 { (key, member) } else { nil } }
    }

    var emitted: [EmittedUnit] {
        compactMap { if case .emit(let unit) = $0 { unit } else { nil } }
    }

    var problems: [StreamProblem] {
        compactMap { if case .report(let problem) = $0 { problem } else { nil } }
    }

    var finishedReport: StreamReport? {
        for directive in self { if case .finished(let report) = directive { return report } }
        return nil
    }
}
