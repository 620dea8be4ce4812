import ArgumentParser
import Media
import MediaCore
import Profiler
import QoSModel
import SystemCalls

/// `node worker`: the processes the daemon starts for the media work, so that the daemon itself
/// never loads FFmpeg and a crash on bad data takes only the worker down. Not for people: they
/// speak `WorkerPipe` frames on standard input and output.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "A media worker process started by `node join` (not for interactive use).",
        shouldDisplay: false,
        subcommands: [DecodeWorkerCommand.self, DemuxWorkerCommand.self]
    )
}

/// `node worker decode`: reads decode requests (a delivery plan and a unit) from standard input,
/// answers each with its result on standard output, until standard input ends.
struct DecodeWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Decode units from standard input, one after the other.")

    @Option(help: "Decoder threads per unit (the service's cgroup is the limit either way).")
    var threads = 1

    func run() throws {
        if let problem = UnitDecoder.prepareWorkerProcess() {
            try? FileDescriptor.standardError.writeAll(Array("node worker decode: \(problem)\n".utf8))
        }
        var reader = WorkerPipe.Reader(limit: MediaUnitLimits.standard.maximumUnitBytes + 1)
        while true {
            while let request = try reader.next() {
                let answer = UnitDecoder.answer(workerRequest: request, threads: threads)
                try FileDescriptor.standardOutput.writeAll(WorkerPipe.frame(answer))
            }
            let bytes = try FileDescriptor.standardInput.read(upTo: 1 << 20)
            if bytes.isEmpty {
                guard reader.pendingBytes == 0 else { throw ValidationError("standard input ended inside a request") }
                return
            }
            reader.append(bytes)
        }
    }
}

/// `node worker demux --input INPUT`: demuxes INPUT and writes, framed, its streams, then every
/// unit as soon as it is cut, then the end (or, when the input cannot be read on, a failure
/// naming it and the position).
struct DemuxWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demux", abstract: "Cut an input into units, written to standard output.")

    @Option(help: "A media file, `-` for an MPEG-TS stream on standard input, or `testsrc`.")
    var input: String

    @Option(help: "About how many seconds of media per unit (cut at keyframes).")
    var unitSeconds = 1.0

    @Option(help: "With `--input testsrc`: the video level to synthesize (SD, HD or FHD).")
    var video: VideoLevel = .hd

    @Option(help: "With `--input testsrc`: the length of the stream in seconds.")
    var duration = 60.0

    func run() throws {
        let output = FileDescriptor.standardOutput
        func send(_ message: DemuxMessage) throws {
            try output.writeAll(WorkerPipe.frame(message.encoded()))
        }
        do {
            let demuxer = try Demuxer(try source())
            try send(.streams(demuxer.streams.map {
                StreamDescription(index: $0.index, parameters: $0.parameters, startTime: $0.startTime)
            }))
            var writeError: (any Error)?
            try demuxer.cut(UnitCutter.Configuration(targetDuration: unitSeconds)) { unit in
                guard writeError == nil else { return }
                do { try send(.unit(MediaUnitEncoding.encode(unit))) } catch { writeError = error }
            }
            if let writeError { throw writeError }
            try send(.end(packets: demuxer.packetsRead))
        } catch let error as MediaInputError {
            try send(.failure(code: error.code.rawValue, message: error.description))
            throw ExitCode(1)
        }
    }

    /// The input to demux; `testsrc` is a synthesized clip (the profiler's, cached).
    private func source() throws -> MediaInput {
        guard input == "testsrc" else { return MediaInput(argument: input) }
        let clip = try ClipCache(directory: ClipCache.defaultDirectory()).clip(for: ClipSpec(preset: .video(video), durationSeconds: duration))
        return .file(clip.path)
    }
}

extension VideoLevel: ExpressibleByArgument {}
