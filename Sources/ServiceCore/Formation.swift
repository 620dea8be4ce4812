import Foundation
import MembershipCore
import QoSModel

/// One member of a sub-cluster and the share of the service's streams it carries
/// (1.0 = one whole stream).
public struct SubClusterMember: Hashable, Sendable, CustomStringConvertible {
    public var peer: MemberID
    public var share: Double

    public init(peer: MemberID, share: Double) {
        self.peer = peer
        self.share = share
    }

    public var description: String { "\(peer)(\(Int((share * 100).rounded()))%)" }
}

/// A peer's answer to a QoS query: the share it can carry of each level of the request's
/// ladder (same order as the ladder), net of the reservations it already holds.
public struct PeerOffer: Hashable, Sendable {
    public var peer: MemberID
    public var shares: [Double]
    /// Why each share is what it is, for "cannot serve" answers.
    public var reasons: [String]

    public init(peer: MemberID, shares: [Double], reasons: [String] = []) {
        self.peer = peer
        self.shares = shares
        self.reasons = reasons
    }

    public func share(atLevel index: Int) -> Double { index < shares.count ? shares[index] : 0 }
}

/// Tunables of sub-cluster formation.
public struct FormationConfiguration: Sendable, Equatable {
    /// Extra streams reserved above the demand, as a fraction of it: members are chosen to
    /// carry `needed × (1 + margin)` and reserve it all, or as much of it as the capable peers
    /// can when they carry at least `needed`. Default 0: each peer's evaluation
    /// already keeps its own headroom (25% by default). A live stream asks for some (its
    /// members must never fall behind its pace: see `StreamHandler`).
    public var coverageMargin: Double
    /// Most members a sub-cluster may have; more would cost more coordination than it buys.
    /// Default 16.
    public var maximumMembers: Int
    /// Offers below this share are ignored. Default 0.05 of a stream.
    public var minimumShare: Double

    public init(coverageMargin: Double = 0, maximumMembers: Int = 16, minimumShare: Double = 0.05) {
        precondition(coverageMargin >= 0 && maximumMembers >= 1 && minimumShare >= 0)
        self.coverageMargin = coverageMargin
        self.maximumMembers = maximumMembers
        self.minimumShare = minimumShare
    }
}

/// Why formation could not cover a demand.
public struct FormationShortfall: Error, Hashable, Sendable, CustomStringConvertible {
    /// Streams asked for.
    public var needed: Double
    /// The most the capable peers could carry together (within `maximumMembers`).
    public var available: Double
    public var capablePeers: Int

    public var description: String {
        if capablePeers == 0 { return "no peer can carry any part of it" }
        let neededText = needed.formatted(places: 2)
        let availableText = available.formatted(places: 2)
        return "\(capablePeers) capable peer(s) can carry \(availableText) of the \(neededText) stream(s) needed"
    }
}

/// The paper's Algorithm 1 (cluster setup), made to cover a demand: keep the peers whose QoS
/// meets the level (their share is above zero), then choose as few of them as possible, the
/// strongest first, and spread the demand over them in proportion to what each can carry, so
/// every member keeps the same relative headroom.
public enum Formation {
    /// Algorithm 1, lines 1-6: every peer whose offered QoS meets the level, best first
    /// (largest share, then id, so the order is deterministic).
    public static func capable(
        _ offers: [PeerOffer], atLevel index: Int, configuration: FormationConfiguration = .init()
    ) -> [(peer: MemberID, share: Double)] {
        offers
            .map { (peer: $0.peer, share: $0.share(atLevel: index)) }
            .filter { $0.share >= configuration.minimumShare && $0.share.isFinite }
            .sorted { $0.share != $1.share ? $0.share > $1.share : $0.peer < $1.peer }
    }

    /// Chooses members carrying `needed` streams at ladder level `index`.
    ///
    /// Fewest members first: taking the largest offers first reaches the demand with the fewest
    /// peers; among those, the largest offers also leave the most headroom.
    public static func choose(
        needed: Double, from offers: [PeerOffer], atLevel index: Int,
        configuration: FormationConfiguration = .init()
    ) -> Result<[SubClusterMember], FormationShortfall> {
        let candidates = capable(offers, atLevel: index, configuration: configuration)
        let target = needed * (1 + configuration.coverageMargin)
        var chosen: [(peer: MemberID, share: Double)] = []
        var total = 0.0
        for candidate in candidates where total < target - 1e-9 && chosen.count < configuration.maximumMembers {
            chosen.append(candidate)
            total += candidate.share
        }
        // The margin is reserved when it can be; a sub-cluster that carries the demand but not
        // the margin still serves (a margin must never make a servable service unserved).
        guard total >= needed - 1e-9, total > 0 else {
            return .failure(FormationShortfall(needed: needed, available: total, capablePeers: candidates.count))
        }
        let reserved = min(total, target)
        return .success(chosen.map { SubClusterMember(peer: $0.peer, share: reserved * $0.share / total) })
    }
}

extension Double {
    /// The number with `places` decimals, for messages.
    func formatted(places: Int) -> String { String(format: "%.\(places)f", self) }
}
