import Coalition
import Foundation
import Media
import MediaCore
import SystemCalls

/// What `node request --input` does once the request is parsed: resolves the input for the
/// daemon, runs the `stream` operation, and writes the output directory as the units come:
/// `frames.md5` (ffmpeg's framemd5 format; video lines equal to `ffmpeg -i INPUT -map 0:v:0 -f
/// framemd5 -`, audio lines to `ffmpeg -i INPUT -map 0:a:0 -c:a pcm_f32le -f framemd5 -` with
/// their stream index 1) and `report.json`; a progress line on standard error.
struct StreamRun {
    var parameters: StreamParameters
    /// The input as the user gave it (`-` for standard input).
    var input: String
    var outputDirectory: String?
    var socketPath: String
    var json: Bool

    /// Why a stream did not deliver everything; the exit status says which.
    enum Outcome: Int32 {
        case complete = 0
        case cannotServe = 2
        case incomplete = 3
        case inputFailed = 4
    }

    func run() async throws -> Outcome {
        var parameters = self.parameters
        var relay: StandardInputRelay?
        switch input {
        case "testsrc":
            parameters.input = "testsrc"
        case "-":
            let fifo = try StandardInputRelay.start()
            relay = fifo
            parameters.input = fifo.path
        default:
            let absolute = URL(fileURLWithPath: input).standardizedFileURL.path
            guard FileManager.default.isReadableFile(atPath: absolute) else {
                throw StreamRunError("cannot read the input \(input)")
            }
            parameters.input = absolute
        }
        defer { relay?.remove() }

        let output = try outputDirectory.map(OutputDirectory.init)
        let progress = StreamProgress()
        let json = self.json
        do {
            try await ControlClient(path: socketPath).stream(StreamCall.self, parameters) { update in
                await progress.take(update, output: output, json: json)
            }
        } catch let error as ControlError {
            FileHandle.standardError.write(Data("node request: \(error.message)\n".utf8))
            switch error.code {
            case .cannotServe: return .cannotServe
            case .badInput: return .inputFailed
            default: throw error
            }
        } catch let error as ControlClientError {
            throw NodeNotRunning(path: socketPath, detail: error.reason)
        }
        return await progress.outcome
    }
}

struct StreamRunError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The output directory: frames.md5 written as units arrive, report.json at the end.
final class OutputDirectory: Sendable {
    let path: String
    private let frames: FileHandle

    init(_ path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let file = "\(path)/frames.md5"
        guard FileManager.default.createFile(atPath: file, contents: nil), let handle = FileHandle(forWritingAtPath: file) else {
            throw StreamRunError("cannot write \(file)")
        }
        frames = handle
    }

    func write(lines text: String) {
        frames.write(Data(text.utf8))
    }

    /// `contact-sheet.png`: the thumbnails in index order on a `ContactSheet`, each labelled with
    /// its time; nothing when there are none. Returns the file written.
    func write(thumbnails: [StreamThumbnail]) throws -> String? {
        guard let first = thumbnails.first else { return nil }
        let tiles = thumbnails.filter { $0.width == first.width && $0.height == first.height && $0.rgb.count == first.width * first.height * 3 }
        let sheet = ContactSheet(tiles: tiles.count, tileWidth: first.width, tileHeight: first.height)
        let canvas = sheet.render(
            tiles: tiles.map { Array($0.rgb) }, labels: tiles.map { ContactSheet.label(seconds: Int($0.seconds.rounded(.down))) })
        let file = "\(path)/contact-sheet.png"
        let png = try MediaEncoder.png(rgb: canvas, width: sheet.width, height: sheet.height, path: file)
        try Data(png).write(to: URL(fileURLWithPath: file))
        return file
    }

    func write(report: StreamReport) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(report).write(to: URL(fileURLWithPath: "\(path)/report.json"))
        try frames.close()
    }
}

/// Follows the updates: writes them out, shows progress, keeps the outcome.
actor StreamProgress {
    private(set) var outcome = StreamRun.Outcome.incomplete
    private var inputFailed = false
    private var units = 0
    private var frames = 0
    private var lost = 0
    private var mediaSeconds = 0.0
    private var expectedSeconds = 0.0
    private var lastShown = ContinuousClock.now
    /// Thumbnails by index (a unit decoded twice sends its thumbnails twice).
    private var thumbnails: [UInt32: StreamThumbnail] = [:]

    /// Returns whether more updates are wanted.
    func take(_ update: StreamUpdate, output: OutputDirectory?, json: Bool) -> Bool {
        if json { ServiceOutput.emit(ServiceOutput.json(update)) }
        switch update.kind {
        case .started:
            guard let started = update.started else { return true }
            expectedSeconds = started.expectedSeconds
            output?.write(lines: started.frameMD5Header)
            if !json {
                let members = started.members.map { "\($0.peer.prefix(8))(\(String(format: "%.2f", $0.share)))" }.joined(separator: ", ")
                ServiceOutput.emit("streaming \(started.inputStreams.joined(separator: "; ")) as service \(started.service) at \(started.level) on \(members)")
            }
        case .unit:
            guard let unit = update.unit else { return true }
            units += 1
            frames += unit.lines.count
            lost += unit.lostFrames
            if unit.stream == 0 { mediaSeconds += unit.mediaSeconds }
            output?.write(lines: unit.lines.map { $0 + "\n" }.joined())
            showProgress(final: false)
        case .thumbnails:
            for thumbnail in update.thumbnails ?? [] { thumbnails[thumbnail.index] = thumbnail }
        case .problem, .inputFailed:
            if update.kind == .inputFailed { inputFailed = true }
            if !json, let text = update.problem {
                let clear = FileDescriptor.standardError.isTerminal ? "\r\u{1B}[K" : ""
                FileHandle.standardError.write(Data("\(clear)\(update.kind == .inputFailed ? "input failed" : "problem"): \(text)\n".utf8))
            }
        case .finished:
            guard let report = update.report else { return false }
            showProgress(final: true)
            do {
                if let sheet = try output?.write(thumbnails: thumbnails.keys.sorted().map { thumbnails[$0]! }), !json {
                    ServiceOutput.emit("wrote \(sheet) (\(thumbnails.count) thumbnails)")
                }
            } catch {
                FileHandle.standardError.write(Data("node request: cannot write the contact sheet: \(error)\n".utf8))
            }
            try? output?.write(report: report)
            if !json {
                ServiceOutput.emit(
                    "done: \(report.frames.delivered) frames delivered, \(report.frames.late) late, \(report.frames.lost) lost, "
                        + "\(report.units.cut) units (\(report.units.redispatched) re-dispatched)"
                        + (output.map { "; wrote \($0.path)/frames.md5 and report.json" } ?? ""))
                for member in report.members {
                    guard let estimate = member.estimate else { continue }
                    ServiceOutput.emit(
                        "member \(member.member.prefix(8)): CPU s per media s "
                            + estimate.against(measured: member.measuredCPUPerMediaSecond))
                }
            }
            outcome = inputFailed ? .inputFailed : report.complete ? .complete : .incomplete
            return false
        }
        return true
    }

    private func showProgress(final: Bool) {
        // A progress line redrawn in place is for a person at a terminal; a log gets the summary.
        guard FileDescriptor.standardError.isTerminal else { return }
        let now = ContinuousClock.now
        guard final || now - lastShown > .milliseconds(250) else { return }
        lastShown = now
        let of = expectedSeconds > 0 ? String(format: " of %.0f", expectedSeconds) : ""
        let line = String(format: "%.1f s%@ of media, %d units, %d frames, %d lost", mediaSeconds, of, units, frames, lost)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)\(final ? "\n" : "")".utf8))
    }
}

/// `--input -`: standard input copied into a FIFO the daemon's demux worker reads.
final class StandardInputRelay: Sendable {
    let path: String
    private let directory: String

    private init(path: String, directory: String) {
        self.path = path
        self.directory = directory
    }

    static func start() throws -> StandardInputRelay {
        let directory = NSTemporaryDirectory() + "coalition-input-\(CurrentProcess.id)"
        try FilePaths.makeDirectory(directory, permissions: 0o755)
        let path = directory + "/stdin.ts"
        try FilePaths.makeFIFO(path, permissions: 0o644)
        let relay = StandardInputRelay(path: path, directory: directory)
        Thread.detachNewThread {
            // Blocks until the worker opens the FIFO; ends when standard input does.
            guard let fifo = FileHandle(forWritingAtPath: path) else { return }
            while true {
                let chunk = FileHandle.standardInput.availableData
                if chunk.isEmpty { break }
                fifo.write(chunk)
            }
            try? fifo.close()
        }
        return relay
    }

    func remove() {
        try? FilePaths.remove(path)
        try? FilePaths.removeDirectory(directory)
    }
}
