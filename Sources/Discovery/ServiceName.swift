/// Choosing a new service name after a name collision. Pure.
///
/// The first rename follows the DNS-SD convention (`name #2`, `name #3`, ...), through
/// `alternative` (Avahi's `avahi_alternative_service_name`). Two nodes that start at the same
/// moment with the same name probe in lockstep, both lose, and would both pick `name #2`, then
/// `name #3`, forever; so the second collision in a row picks a name of our own,
/// `name #<first 4 hex digits of the node id>`, which differs between the two. Later ones go
/// back to `alternative`.
public enum ServiceName {
    /// - Parameters:
    ///   - original: the name the node was started with.
    ///   - current: the name that just collided.
    ///   - collisions: collisions since the record was last established, this one included (1...).
    public static func afterCollision(
        original: String, current: String, collisions: Int, nodeID: NodeID, alternative: (String) -> String
    ) -> String {
        guard collisions == 2 else { return alternative(current) }
        let suffix = " #" + String(nodeID.description.prefix(4))
        return truncated(original, toBytes: TXTRecord.maximumNameBytes - suffix.utf8.count) + suffix
    }

    /// The longest prefix of `name` (whole characters) that fits in `bytes` bytes of UTF-8.
    static func truncated(_ name: String, toBytes bytes: Int) -> String {
        var result = ""
        var used = 0
        for character in name {
            let size = character.utf8.count
            if used + size > bytes { break }
            result.append(character)
            used += size
        }
        return result
    }
}
