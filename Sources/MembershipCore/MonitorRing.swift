/// Who watches whom: members sorted by ``MemberID/ringPosition``; each member's monitors are
/// the `count` members after it on the ring, so each member sends `count` heartbeats per
/// interval and watches `count` others, whatever the coalition's size.
///
/// Every member computes the ring from its own view; views agree once Discovery and the
/// protocol's own messages have spread, and a disagreement costs a probe, never a death
/// (see ``MembershipInstance``'s requested monitors).
struct MonitorRing: Hashable, Sendable {
    private let members: [MemberID]  // sorted by ring position, then id

    init<S: Sequence>(members: S) where S.Element == MemberID {
        self.members = members.sorted { ($0.ringPosition, $0.rawValue) < ($1.ringPosition, $1.rawValue) }
    }

    /// The members that watch `member` (its successors), at most `count`, never itself.
    func monitors(of member: MemberID, count: Int) -> [MemberID] {
        neighbours(of: member, count: count, step: 1)
    }

    /// The members `member` watches (its predecessors), at most `count`, never itself.
    func subjects(of member: MemberID, count: Int) -> [MemberID] {
        neighbours(of: member, count: count, step: -1)
    }

    private func neighbours(of member: MemberID, count: Int, step: Int) -> [MemberID] {
        guard let index = members.firstIndex(of: member) else { return [] }
        let n = members.count
        let wanted = min(count, n - 1)
        guard wanted > 0 else { return [] }
        return (1...wanted).map { members[((index + step * $0) % n + n) % n] }
    }
}
