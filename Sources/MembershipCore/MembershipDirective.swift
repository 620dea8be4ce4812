/// What the instance tells its shell to do after each call.
public enum MembershipDirective: Hashable, Sendable {
    /// Send this message (one datagram) to this address.
    case send(MembershipMessage, to: PeerAddress)
    /// Report this change to whoever listens (logs, `node status --watch`, the sub-cluster manager).
    case event(MembershipEvent)
    /// Count this refusal (a frame from a stranger, from the wrong address, a full table): the
    /// shell records it beside the codec's drops, so `node status` shows it under its reason.
    case refuse(MembershipRefusal, from: PeerAddress)
}

/// Why the instance did not believe a message or admit a member (membership admission). Each is
/// counted by the shell; none is fatal, and none creates anything.
public enum MembershipRefusal: String, Hashable, Sendable, CaseIterable {
    /// The sender is no member: neither resolved through DNS-SD nor vouched for by a known
    /// member, so its frame creates nothing and is answered by nothing.
    case unknownSender
    /// The sender's id is a known member's (or ours), but the datagram comes from another
    /// address than the one that member is known by.
    case unexpectedAddress
    /// A new member would exceed the member table's bound (``MembershipConfiguration/maximumMembers``).
    case memberTableFull
}
