/// What the instance tells its shell to do after each call.
public enum MembershipDirective: Hashable, Sendable {
    /// Send this message (one datagram) to this address.
    case send(MembershipMessage, to: PeerAddress)
    /// Report this change to whoever listens (logs, `node status --watch`, the sub-cluster manager).
    case event(MembershipEvent)
    /// Count this refusal (a frame from a stranger, from the wrong address, a full table): the
    /// shell records it beside the codec's drops, so `node status` shows it under its reason.
    case drop(WireDropReason, from: PeerAddress)
}
