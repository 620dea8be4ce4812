import Foundation
import Logging
import MediaCore
import MembershipCore
import QoSModel
import ServiceCore

/// Op `stream` (``StreamCall``): runs one stream from its input to the client.
///
/// 1. Starts the input's demux worker and reads what streams it holds; a file that is not
///    media, or holds no H.264/AAC/MP3, is refused here with the worker's own sentence.
/// 2. Forms the service (the requested ladder, or the level the input calls for) and waits
///    until it is served; a service the coalition cannot serve is refused with the reason.
/// 3. Runs a `StreamRunner` on the sub-cluster: units in from the worker (paced live or
///    batch), the sub-cluster's changes in from the coordinator (rebuilds, degrades, members
///    declared dead), every unit's frames.md5 lines and the problems out to the client.
/// 4. Releases the service at the end, or when the client leaves (the stream is abandoned).
struct StreamHandler: ControlHandler {
    typealias Call = StreamCall
    let coordinator: ServiceCoordinator
    let transport: any UnitTransport
    let demux: DemuxSource.Configuration
    let registry: StreamRegistry
    let logger: Logger

    /// How long a running stream waits for its sub-cluster to be rebuilt before it is given
    /// up. 10 s: far beyond a rebuild (under 1 s) and the supervisor's retries, short enough
    /// that a user is told.
    static let unservedGrace: Duration = .seconds(10)

    /// Streams reserved above a live stream's demand: 10%. A member held by its cgroup to
    /// exactly its share decodes exactly at the stream's pace, so every delay (a throttled
    /// period, a unit's fresh decoder) adds up and never drains; with 10% slack it does.
    static let liveReserveMargin = 0.10

    /// Streams a live stream's rebuild reserves above its demand after a loss, for the
    /// supervisor's `recoveryHold` (10 s): 50%. The lost member's unit and what piled up until
    /// the loss was known (about 0.7 s of the stream) must be caught up before frames are on
    /// time again; at the ordinary 10% slack that took 6 s.
    static let liveRecoveryMargin = 0.50

    func handle(_ parameters: StreamParameters, reply: ControlReply<StreamUpdate>) async throws {
        try validate(parameters)
        let source: DemuxSource
        do {
            source = try await DemuxSource.start(workerArguments(parameters), configuration: demux)
        } catch {
            throw ControlError(.failed, "cannot start the demux worker: \(error)")
        }
        let streams: [StreamDescription]
        do {
            switch try await source.next() {
            case .streams(let found)?: streams = found
            case .failure(_, let message)?: throw ControlError(.badInput, message)
            default: throw ControlError(.failed, "the demux worker did not describe the input")
            }
        } catch let error as ControlError {
            await source.stop()
            throw error
        } catch {
            await source.stop()
            throw ControlError(.failed, "\(error)")
        }
        guard let request = parameters.request ?? InputLevel.level(for: streams).flatMap({ try? ServiceRequest(ladder: [$0]) }) else {
            await source.stop()
            throw ControlError(.badInput, "\(parameters.input) holds no stream a coalition decodes")
        }

        let events = await coordinator.watch()
        // Members price the input itself (its size and frame rate) rather than its level's preset.
        let input = InputLevel.description(of: streams)
        let id = await coordinator.request(
            request, reserveMargin: parameters.batch ? nil : Self.liveReserveMargin,
            recoveryMargin: parameters.batch ? nil : Self.liveRecoveryMargin, input: input)
        var settled: ServiceEventRecord?
        for await event in events where event.service == id.rawValue && event.settles {
            settled = event
            break
        }
        guard let settled, settled.kind != .unserved, let cluster = await coordinator.subCluster(of: id) else {
            try? await coordinator.release(id)
            await source.stop()
            throw ControlError(.cannotServe, "the coalition cannot serve \(request.preferred) now: \(settled?.reason ?? "no answer")")
        }

        // Live, one unit in flight per member: units arrive at the media's pace, so a second one
        // sent ahead would only wait at the member, where a death or a stall strands it (the
        // next free member takes it from the requester instead). Batch keeps two, so a member
        // never idles for a round trip between units.
        let session = parameters.batch
            ? StreamConfiguration(pacing: .batch)
            : StreamConfiguration(pacing: .live(latency: .milliseconds(parameters.latencyMillis)), dispatch: .init(inFlightLimit: 1))
        let runner = StreamRunner(service: id, transport: transport, configuration: .init(session: session), logger: logger)
        await runner.membersChanged(await runnerMembers(id, cluster.members))
        await registry.add(runner)
        defer { Task { await registry.remove(id) } }
        let frameMD5Streams = streams.map { FrameMD5.Stream(index: Int($0.index), parameters: $0.parameters, startTime: $0.startTime) }
        var writers = Dictionary(uniqueKeysWithValues: frameMD5Streams.map { (UInt8($0.index), FrameMD5.Writer(stream: $0)) })
        let summary = await coordinator.summary(of: id)
        do {
            try await reply.send(.started(StreamStarted(
                service: id.rawValue, level: cluster.level.description, members: summary?.members ?? [],
                inputStreams: streams.map(InputLevel.describe),
                frameMD5Header: FrameMD5.header(frameMD5Streams),
                expectedSeconds: parameters.input == "testsrc" ? parameters.testsrcSeconds ?? 60 : 0)))

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await runner.run() }
                group.addTask { await follow(id, preferred: request.preferred, runner: runner) }
                let thumbnails = thumbnailRequest(parameters, streams: streams)
                group.addTask { await feed(runner, from: source, thumbnails: thumbnails) }
                do {
                    try await forward(runner.outputs, of: id, writers: &writers, thumbnailSeconds: parameters.thumbnailSeconds ?? 0, to: reply)
                } catch {
                    // The client left. The stream is given up first (which also frees a feed
                    // held back by the window) and the worker stopped, so every task ends.
                    await runner.abandon(reason: "the client left")
                    await source.stop()
                    group.cancelAll()
                    throw error
                }
                group.cancelAll()
            }
        } catch {
            try? await coordinator.release(id)
            throw error
        }
        await source.stop()
        try? await coordinator.release(id)
    }

    /// The coordinator's sub-cluster as the runner takes it, with what each member estimated
    /// the input costs it (for report.json, beside what it measured).
    private func runnerMembers(_ id: ServiceID, _ members: [(endpoint: ServiceEndpoint, share: Double)]) async -> [StreamRunner.Member] {
        var result: [StreamRunner.Member] = []
        for member in members {
            let estimate = await coordinator.estimatedCPU(of: id, at: member.endpoint.id)
            result.append(StreamRunner.Member(endpoint: member.endpoint, share: member.share, estimate: estimate))
        }
        return result
    }

    /// Every output of the stream to the client, as answer lines, until the stream finishes.
    private func forward(
        _ outputs: AsyncStream<StreamRunner.Output>, of id: ServiceID, writers: inout [UInt8: FrameMD5.Writer], thumbnailSeconds: Double,
        to reply: ControlReply<StreamUpdate>
    ) async throws {
        for await output in outputs {
            switch output {
            case .memberServiceGone(let member, let reason):
                await coordinator.serviceGone(at: member, in: id, reason: reason)
            case .recalibrate(let decision):
                // Not settled now (a rebuild or a trim under way): the session decides again
                // after its interval, and a rebuild prices at these calibrations already.
                await coordinator.recalibrate(id, decision)
            case .thumbnails(let thumbnails):
                var update = StreamUpdate(kind: .thumbnails)
                update.thumbnails = thumbnails.map {
                    StreamThumbnail(
                        index: $0.index, seconds: Double($0.index) * thumbnailSeconds, pts: $0.pts, width: $0.width, height: $0.height,
                        rgb: Data($0.rgb))
                }
                try await reply.send(update)
            case .emitted(let unit):
                var lines: [String] = []
                if var writer = writers[unit.key.stream] {
                    lines = unit.frames.map { String(writer.line($0).dropLast()) }
                    writers[unit.key.stream] = writer
                }
                try await reply.send(.unit(StreamUnitOutput(
                    stream: Int(unit.key.stream), sequence: unit.key.sequence, lines: lines, lostFrames: unit.lostFrames,
                    skippedFrames: unit.skippedFrames, mediaSeconds: Double(unit.mediaDuration.components.seconds)
                        + Double(unit.mediaDuration.components.attoseconds) / 1e18)))
            case .problem(let problem):
                try await reply.send(.problem("\(problem)"))
            case .inputFailed(let text):
                try await reply.send(StreamUpdate(kind: .inputFailed, problem: text))
            case .finished(let report):
                try await reply.send(.finished(report))
            }
        }
    }

    private func validate(_ parameters: StreamParameters) throws {
        guard parameters.input == "testsrc" || parameters.input.hasPrefix("/") else {
            throw ControlError(.badParams, "input must be an absolute path or testsrc, not \(parameters.input)")
        }
        guard (0.1...10).contains(parameters.unitSeconds) else {
            throw ControlError(.badParams, "unitSeconds must be within 0.1...10, not \(parameters.unitSeconds)")
        }
        guard (0...60_000).contains(parameters.latencyMillis) else {
            throw ControlError(.badParams, "latencyMillis must be within 0...60000, not \(parameters.latencyMillis)")
        }
        if let seconds = parameters.testsrcSeconds, !(1...3600).contains(seconds) {
            throw ControlError(.badParams, "testsrcSeconds must be within 1...3600, not \(seconds)")
        }
        if let seconds = parameters.thumbnailSeconds, !(0.1...3600).contains(seconds) {
            throw ControlError(.badParams, "thumbnailSeconds must be within 0.1...3600, not \(seconds)")
        }
    }

    private func workerArguments(_ parameters: StreamParameters) -> [String] {
        var arguments = ["--input", parameters.input, "--unit-seconds", "\(parameters.unitSeconds)"]
        if parameters.input == "testsrc" {
            arguments += ["--video", (parameters.testsrcVideo ?? .hd).rawValue, "--duration", "\(parameters.testsrcSeconds ?? 60)"]
        }
        return arguments
    }

    /// Tiles this wide (pixels, about; the picture's aspect kept) on a contact sheet.
    static let thumbnailWidth = 160

    /// What the video units ask their members for with `thumbnailSeconds`: a tile of the picture
    /// on screen every that many seconds from the video stream's start; nil without video.
    private func thumbnailRequest(_ parameters: StreamParameters, streams: [StreamDescription]) -> (stream: UInt8, request: ThumbnailRequest)? {
        guard let seconds = parameters.thumbnailSeconds,
            let video = streams.first(where: { $0.parameters.codec.kind == .video })
        else { return nil }
        let base = video.parameters.timeBase
        let interval = Int64((seconds * Double(base.denominator) / Double(base.numerator)).rounded())
        guard interval > 0, video.parameters.width > 0, video.parameters.height > 0 else { return nil }
        let size = ThumbnailRequest.tileSize(
            width: Self.thumbnailWidth, pictureWidth: Int(video.parameters.width), pictureHeight: Int(video.parameters.height))
        return (video.index, ThumbnailRequest(interval: interval, origin: video.startTime, tileWidth: size.width, tileHeight: size.height))
    }

    /// Units from the worker into the runner until the input ends or fails (a failure is
    /// reported, and what was cut before it is still delivered). With `thumbnails`, the video
    /// stream's units carry the thumbnail request (appended to the unit's bytes).
    private func feed(_ runner: StreamRunner, from source: DemuxSource, thumbnails: (stream: UInt8, request: ThumbnailRequest)?) async {
        do {
            while let message = try await source.next() {
                switch message {
                case .unit(var bytes):
                    if let thumbnails, MediaUnitEncoding.header(ofUnit: bytes)?.stream == thumbnails.stream {
                        bytes = MediaUnitEncoding.appending(thumbnails.request, toUnit: bytes)
                    }
                    try await runner.cut(bytes)
                case .failure(_, let text):
                    await runner.inputFailed(text)
                    return
                case .end:
                    await runner.inputEnded()
                    return
                case .streams:
                    continue
                }
            }
        } catch {
            await runner.inputFailed("\(error)")
        }
    }

    /// The sub-cluster's changes into the runner, until the stream ends.
    private func follow(_ id: ServiceID, preferred: QoSLevel, runner: StreamRunner) async {
        for await event in await coordinator.watch() where event.service == id.rawValue {
            switch event.kind {
            case .memberLost:
                // The lost member is out of the sub-cluster already (and out of the live peers).
                if let cluster = await coordinator.subCluster(of: id) {
                    await runner.membersChanged(await runnerMembers(id, cluster.members))
                }
            case .formed, .rebuilt, .restored, .degraded, .upgraded, .steppedDown, .trimmed, .recalibrated:
                // A step-down for a heavier service is a degradation: below the preferred level
                // the members decode reference frames only.
                guard let cluster = await coordinator.subCluster(of: id) else { continue }
                await runner.membersChanged(await runnerMembers(id, cluster.members))
                await runner.deliver(at: cluster.level == preferred ? .full : .referenceFramesOnly)
            case .unserved:
                await runner.membersChanged([])
                // Units wait for the rebuilt sub-cluster, but not forever: a stream nobody can
                // serve for `unservedGrace` is given up, and says why.
                let reason = event.reason ?? "no sub-cluster"
                Task {
                    try? await Task.sleep(for: Self.unservedGrace)
                    if await coordinator.summary(of: id)?.phase == .unserved {
                        await runner.abandon(reason: "the coalition could not serve it for \(Self.unservedGrace): \(reason)")
                    }
                }
            case .released:
                return
            }
        }
    }
}
