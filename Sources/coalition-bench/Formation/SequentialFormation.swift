import Coalition
import Foundation
import MembershipCore
import QoSModel
import ServiceCore

/// The paper's Listing 1, the anchor the formation bench compares the product with: the
/// requester asks its peers one after the other, waiting for each answer before the next
/// question. Everything else is the product's: the same supervisor (Algorithm 1 over the
/// offers, then the reservations, sent together as the daemon sends them) and the same client.
struct SequentialFormation {
    /// Talks to the peers (keyed as the daemon's client is).
    let client: ServiceClient
    /// Every peer asked, the requesting daemon's own endpoint among them (the daemon asks itself too).
    let peers: [ServiceEndpoint]

    /// What one formation came to.
    struct Outcome {
        /// From the start to the event that settled it, milliseconds.
        var millis: Double
        /// That event.
        var event: ServiceEvent
    }

    /// Forms `request` as service `id`, then releases what it reserved.
    func form(_ request: ServiceRequest, id: ServiceID) async throws -> Outcome {
        let clock = ContinuousClock()
        let start = clock.now
        var supervisor = ServiceSupervisor(id: id, request: request, configuration: ServiceCoordinator.Configuration().supervisor)
        var directives = supervisor.start()
        var outcome: Outcome?
        while outcome == nil, !directives.isEmpty {
            var next: [ServiceDirective] = []
            var reservations: [(round: Int, peer: MemberID, level: QoSLevel, share: Double)] = []
            for directive in directives {
                switch directive {
                case .query(let round):
                    next += supervisor.onOffers(round: round, await queryOneByOne(id, ladder: request.ladder))
                case .reserve(let round, let peer, let level, let share):
                    reservations.append((round, peer, level, share))
                case .emit(let event) where outcome == nil:
                    outcome = Outcome(millis: (clock.now - start) / .milliseconds(1), event: event)
                case .emit, .release, .scheduleRetry, .scheduleTrim:
                    break
                }
            }
            for (round, peer, accepted, reason) in await reserveTogether(id, reservations) {
                next += supervisor.onReservation(round: round, peer: peer, accepted: accepted, reason: reason)
            }
            directives = next
        }
        for peer in supervisor.release().compactMap(releasedPeer) {
            if let endpoint = peers.first(where: { $0.id == peer }) { try? await client.release(endpoint, service: id) }
        }
        guard let outcome else { throw BenchFailure("sequential formation of \(id) never settled") }
        return outcome
    }

    /// Listing 1: one query after the other; a peer that fails or times out is left out.
    private func queryOneByOne(_ id: ServiceID, ladder: [QoSLevel]) async -> [PeerOffer] {
        var offers: [PeerOffer] = []
        for peer in peers {
            if let offer = try? await client.query(peer, service: id, ladder: ladder) { offers.append(offer) }
        }
        return offers
    }

    /// The reservations of one round, sent at once as the daemon sends them.
    private func reserveTogether(
        _ id: ServiceID, _ reservations: [(round: Int, peer: MemberID, level: QoSLevel, share: Double)]
    ) async -> [(Int, MemberID, Bool, String)] {
        await withTaskGroup(of: (Int, MemberID, Bool, String).self) { group in
            for reservation in reservations {
                guard let endpoint = peers.first(where: { $0.id == reservation.peer }) else { continue }
                group.addTask {
                    do {
                        let answer = try await client.reserve(endpoint, service: id, level: reservation.level, share: reservation.share)
                        return (reservation.round, reservation.peer, answer.accepted, answer.reason)
                    } catch {
                        return (reservation.round, reservation.peer, false, "\(error)")
                    }
                }
            }
            var answers: [(Int, MemberID, Bool, String)] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
    }

    private func releasedPeer(_ directive: ServiceDirective) -> MemberID? {
        if case .release(let peer) = directive { return peer }
        return nil
    }
}
