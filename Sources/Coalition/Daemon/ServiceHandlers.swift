import Foundation
import QoSModel
import ServiceCore

/// Op `request` (``RequestCall``): `{"v":2,"op":"request","request":{"ladder":[...],"streams":1}}`.
/// Answers once the first formation settles (formed, degraded or unserved), or after `waitMillis`
/// with the service still forming; with `watch`, then streams the service's events.
struct RequestHandler: ControlHandler {
    typealias Call = RequestCall
    let coordinator: ServiceCoordinator

    func handle(_ parameters: ServiceRequestParameters, reply: ControlReply<ServiceRequestUpdate>) async throws {
        let events = await coordinator.watch()
        let id = await coordinator.request(parameters.request, weight: parameters.weight)
        let wait = Duration.milliseconds(min(max(parameters.waitMillis, 0), 60_000))
        let settled = try? await withDeadline(wait, operation: "formation") {
            for await event in events where event.service == id.rawValue && event.settles { return event }
            return nil
        }
        guard let summary = await coordinator.summary(of: id) else { throw ControlError(.failed, "service \(id) vanished") }
        try await reply.send(.answer(ServiceRequestAnswer(service: summary, event: settled ?? nil)))
        guard parameters.watch else { return }
        try await streamEvents(of: id, from: coordinator, after: settled ?? nil) { try await reply.send(.event($0)) }
    }
}

/// Hands every event of `id` (or of every service) to `send` until it throws (the client left).
private func streamEvents(
    of id: ServiceID?, from coordinator: ServiceCoordinator, after last: ServiceEventRecord?,
    send: (ServiceEventRecord) async throws -> Void
) async throws {
    for await event in await coordinator.watch() where id == nil || event.service == id?.rawValue {
        if let last, event == last { continue }
        try await send(event)
    }
}

/// Op `release` (``ReleaseCall``): `{"v":2,"op":"release","service":"<id>"}`.
struct ReleaseHandler: ControlHandler {
    typealias Call = ReleaseCall
    let coordinator: ServiceCoordinator

    func handle(_ parameters: ServiceReleaseParameters, reply: ControlReply<ServiceSummary>) async throws {
        let id = ServiceID(parameters.service)
        do {
            try await coordinator.release(id)
        } catch {
            throw ControlError(.badParams, "\(error)")
        }
        guard let summary = await coordinator.summary(of: id) else { throw ControlError(.failed, "service \(id) vanished") }
        try await reply.send(summary)
    }
}

/// Op `services` (``ServicesCall``): the services this node requested and the reservations it
/// holds for others.
struct ServicesHandler: ControlHandler {
    typealias Call = ServicesCall
    let coordinator: ServiceCoordinator
    let host: ServiceHost
    let work: MemberWork
    let drops: ServiceDropCounter
    let spare: @Sendable () -> QoSModel.SpareCapacity
    let streams: StreamRegistry

    func handle(_ parameters: Empty, reply: ControlReply<ServicesReport>) async throws {
        let spare = spare()
        try await reply.send(
            ServicesReport(
                services: await coordinator.summaries(), reservations: await host.reservations.map(HeldReservationRecord.init),
                spareCores: spare.cores, spareMemoryMiB: spare.memoryAvailableBytes >> 20,
                queryDrops: Dictionary(uniqueKeysWithValues: drops.snapshot.counts.map { ($0.key.rawValue, $0.value) }),
                work: await work.report(),
                streams: await streams.statuses()))
    }
}

/// Op `watch-services` (``WatchServicesCall``): `{"v":2,"op":"watch-services","service":"<id>"?}`
/// streams service events.
struct WatchServicesHandler: ControlHandler {
    typealias Call = WatchServicesCall
    let coordinator: ServiceCoordinator

    func handle(_ parameters: WatchServicesParameters, reply: ControlReply<ServiceEventRecord>) async throws {
        try await streamEvents(of: parameters.service.map(ServiceID.init), from: coordinator, after: nil) { try await reply.send($0) }
    }
}
