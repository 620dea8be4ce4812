import Foundation
import QoSModel
import ServiceCore

/// Op `request`: `{"v":1,"op":"request","video":"HD","audio":"high","accept":["SD"],"streams":1,"watch":false}`.
/// Answers once the first formation settles (formed, degraded or unserved), or after `waitMillis`
/// with the service still forming; with `watch`, then streams the service's events.
struct RequestHandler: ControlHandler {
    let op = "request"
    let coordinator: ServiceCoordinator

    func handle(_ request: ControlRequest, reply: ControlReply) async throws {
        let parameters = try request.parameters(as: ServiceRequestParameters.self)
        let serviceRequest: ServiceRequest
        do {
            serviceRequest = try ServiceRequest.parse(
                video: parameters.video, audio: parameters.audio, accept: parameters.accept ?? [], streams: parameters.streams ?? 1)
        } catch {
            throw ControlError(.badParams, "\(error)")
        }
        let events = await coordinator.watch()
        let id = await coordinator.request(serviceRequest, sequentialQueries: parameters.sequentialQueries ?? false)
        let wait = Duration.milliseconds(min(max(parameters.waitMillis ?? 5000, 0), 60_000))
        let settled = try? await withDeadline(wait, operation: "formation") {
            for await event in events where event.service == id.rawValue && event.settles { return event }
            return nil
        }
        guard let summary = await coordinator.summary(of: id) else { throw ControlError(.failed, "service \(id) vanished") }
        try await reply.send(ServiceRequestAnswer(service: summary, event: settled ?? nil))
        guard parameters.watch == true else { return }
        try await streamEvents(of: id, from: coordinator, to: reply, after: settled ?? nil)
    }
}

/// Sends every event of `id` (or of every service) as a line until the client leaves.
private func streamEvents(
    of id: ServiceID?, from coordinator: ServiceCoordinator, to reply: ControlReply, after last: ServiceEventRecord?
) async throws {
    for await event in await coordinator.watch() where id == nil || event.service == id?.rawValue {
        if let last, event == last { continue }
        try await reply.send(event)
    }
}

/// Op `release`: `{"v":1,"op":"release","service":"<id>"}`.
struct ReleaseHandler: ControlHandler {
    let op = "release"
    let coordinator: ServiceCoordinator

    func handle(_ request: ControlRequest, reply: ControlReply) async throws {
        let id = ServiceID(try request.parameters(as: ServiceReleaseParameters.self).service)
        do {
            try await coordinator.release(id)
        } catch {
            throw ControlError(.badParams, "\(error)")
        }
        guard let summary = await coordinator.summary(of: id) else { throw ControlError(.failed, "service \(id) vanished") }
        try await reply.send(summary)
    }
}

/// Op `services`: the services this node requested and the reservations it holds for others.
struct ServicesHandler: ControlHandler {
    let op = "services"
    let coordinator: ServiceCoordinator
    let host: ServiceHost
    let drops: ServiceDropCounter
    let spare: @Sendable () -> QoSModel.SpareCapacity

    func handle(_ request: ControlRequest, reply: ControlReply) async throws {
        let spare = spare()
        try await reply.send(
            ServicesReport(
                services: await coordinator.summaries(), reservations: await host.reservations.map(HeldReservationRecord.init),
                spareCores: spare.cores, spareMemoryMiB: spare.memoryAvailableBytes >> 20,
                queryDrops: Dictionary(uniqueKeysWithValues: drops.snapshot.counts.map { ($0.key.rawValue, $0.value) })))
    }
}

/// Op `watch-services`: `{"v":1,"op":"watch-services","service":"<id>"?}` streams service events.
struct WatchServicesHandler: ControlHandler {
    let op = "watch-services"
    let coordinator: ServiceCoordinator

    struct Parameters: Decodable { var service: String? }

    func handle(_ request: ControlRequest, reply: ControlReply) async throws {
        let id = try request.parameters(as: Parameters.self).service.map(ServiceID.init)
        try await streamEvents(of: id, from: coordinator, to: reply, after: nil)
    }
}
