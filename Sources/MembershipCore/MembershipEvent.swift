/// The state of a member in one member's view.
public enum MemberState: String, Hashable, Sendable, Codable {
    /// Heard from within its timeout (or not yet due).
    case alive
    /// Silent beyond its timeout; being probed directly and through other members.
    case suspect
    /// Declared dead (by us or by another member) at its current incarnation.
    case dead
    /// Left on purpose.
    case left
}

/// A change in the membership, as the instance reports it.
public struct MembershipEvent: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// A member was learned (from Discovery or from its own messages), a suspicion was
        /// refuted, or a member alive in our view shows a new incarnation (it refuted a death
        /// others declared, or restarted faster than its death could be seen).
        case alive
        /// A member went silent beyond its timeout; probes are under way.
        case suspect
        /// A member was declared dead (by us, or by another member whose declaration we accept).
        case dead
        /// A member dead or gone in our view is back with a newer incarnation, or refuted its death.
        case rejoined
        /// A member left on purpose.
        case left
    }

    public var member: MemberID
    public var kind: Kind
    /// The member's incarnation the event refers to.
    public var incarnation: UInt64
    /// When the instance saw it (the `now` it was given).
    public var at: MembershipInstant
    /// Why, in a sentence fragment for logs ("no heartbeat for 412 ms", "declared by b3").
    public var reason: String

    public init(member: MemberID, kind: Kind, incarnation: UInt64, at: MembershipInstant, reason: String) {
        self.member = member
        self.kind = kind
        self.incarnation = incarnation
        self.at = at
        self.reason = reason
    }
}
