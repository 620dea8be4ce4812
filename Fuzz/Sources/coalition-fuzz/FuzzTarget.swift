/// One parser of untrusted bytes under the fuzzer: a name for `scripts/fuzz`, a line saying
/// what it reaches, and the function run on every input (it decodes through `Fuzz.timed`
/// and checks its invariants with `Fuzz.check`).
struct FuzzTarget: Sendable {
    var name: String
    var summary: String
    var run: @Sendable ([UInt8]) -> Void
}

/// Every target, in the order `--list` prints them.
enum FuzzTargets {
    static let all: [FuzzTarget] = [
        WireFrameTargets.unkeyed, WireFrameTargets.keyed, MembershipTarget.target, ServiceMessageTarget.target,
        WireStreamTarget.target, TXTRecordTarget.target, ControlTarget.target, ProfileTarget.target,
        MediaUnitTarget.target, InstanceTarget.target,
    ]
}
