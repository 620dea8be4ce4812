import ChildProcess
import Foundation

/// A real headless Chromium (Debian's `chromium`) driven over the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: commands on its fd 3, answers and events on its fd 4, each a
/// JSON object ended by a NUL byte): no debugging port, so nothing listens anywhere.
///
/// Started with a lab host's ``Lab/execPrefix(host:)`` it runs inside that host's network
/// namespace and reaches only the lab. It runs as root there, so Chromium's sandbox is off
/// (`--no-sandbox`: it refuses to start as root otherwise); background networking, component
/// updates, sync and extensions are off too, so it asks nothing of the internet it cannot reach.
public final class HeadlessBrowser: @unchecked Sendable {
    /// Why the browser could not do what was asked.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let process: Process
    private let commands: FileHandle
    private let lock = NSCondition()
    private var answers: [Int: [String: Any]] = [:]
    private var nextID = 0
    private var ended = false
    private var session: String?

    /// The `chromium` executable, or nil when it is not installed.
    public static var executable: String? { Executables.find("chromium") }

    /// Starts Chromium headless on `about:blank`.
    /// - Parameters:
    ///   - prefix: the command that places it (a lab host's ``Lab/execPrefix(host:)``); empty for here.
    ///   - profileDirectory: its user data directory (made if missing).
    ///   - logFile: where its standard error goes.
    ///   - windowSize: the viewport, in CSS pixels.
    public init(prefix: [String], profileDirectory: String, logFile: String, windowSize: (Int, Int) = (1280, 900)) throws {
        guard let chromium = Self.executable else { throw Failure(description: "chromium not found: run scripts/install-deps") }
        try FileManager.default.createDirectory(atPath: profileDirectory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: logFile, contents: nil)
        let flags = [
            "--headless=new", "--no-sandbox", "--remote-debugging-pipe", "--user-data-dir=\(profileDirectory)",
            "--window-size=\(windowSize.0),\(windowSize.1)", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--disable-default-apps", "--metrics-recording-only", "--password-store=basic",
            "about:blank",
        ]
        // fd 3 and 4 are the pipe protocol's; Foundation's Process hands over only 0, 1 and 2,
        // so a shell moves our stdin and stdout pipes there and closes them on 0 and 1.
        let script = #"exec "$0" "$@" 3<&0 4>&1 1>/dev/null 0</dev/null"#
        let command = prefix + ["/bin/sh", "-c", script, chromium] + flags
        // The prefix names its program (`ip`) without a path: found on PATH.
        let executable = command[0].contains("/") ? command[0] : (Executables.find(command[0]) ?? command[0])
        process = ChildProcess.prepare(executable, Array(command.dropFirst()))
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        commands = input.fileHandleForWriting
        try process.run()
        let reading = output.fileHandleForReading
        Thread.detachNewThread { [self] in read(from: reading) }
    }

    deinit { close() }

    /// Opens `url` in a new page and attaches to it; later calls act on that page.
    public func open(_ url: String, timeout: Double = 20) throws {
        let target = try call("Target.createTarget", ["url": url], session: false, timeout: timeout)
        guard let id = target["targetId"] as? String else { throw Failure(description: "no target for \(url): \(target)") }
        let attached = try call("Target.attachToTarget", ["targetId": id, "flatten": true], session: false, timeout: timeout)
        guard let session = attached["sessionId"] as? String else { throw Failure(description: "cannot attach to \(url): \(attached)") }
        lock.withLock { self.session = session }
    }

    /// The value of a JavaScript expression in the page (JSON-compatible values), nil for
    /// `undefined` or `null`.
    public func evaluate(_ expression: String, timeout: Double = 10) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true], session: true, timeout: timeout)
        if let exception = result["exceptionDetails"] { throw Failure(description: "\(expression) threw: \(exception)") }
        let value = (result["result"] as? [String: Any])?["value"]
        return value is NSNull ? nil : value
    }

    /// A PNG of the page's viewport, written to `path`.
    public func screenshot(to path: String, timeout: Double = 20) throws {
        let result = try call("Page.captureScreenshot", ["format": "png"], session: true, timeout: timeout)
        guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot: \(result)")
        }
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Asks Chromium to close, then ends it if it does not within 5 s. Safe to call twice.
    public func close() {
        guard process.isRunning else { return }
        _ = try? call("Browser.close", [:], session: false, timeout: 5)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? commands.close()
    }

    /// Sends one command and waits for its answer's `result`.
    private func call(_ method: String, _ parameters: [String: Any], session attach: Bool, timeout: Double) throws -> [String: Any] {
        let (id, session): (Int, String?) = lock.withLock {
            nextID += 1
            return (nextID, self.session)
        }
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if attach {
            guard let session else { throw Failure(description: "\(method) before open()") }
            message["sessionId"] = session
        }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        try commands.write(contentsOf: data)
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while answers[id] == nil {
            if ended { throw Failure(description: "chromium ended before answering \(method)") }
            if !lock.wait(until: deadline) { throw Failure(description: "chromium did not answer \(method) within \(timeout) s") }
        }
        let answer = answers.removeValue(forKey: id)!
        if let error = answer["error"] { throw Failure(description: "\(method) failed: \(error)") }
        return answer["result"] as? [String: Any] ?? [:]
    }

    /// The reader thread: NUL-separated messages; answers are kept by id, events dropped.
    private func read(from handle: FileHandle) {
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let end = pending.firstIndex(of: 0) {
                let message = pending[pending.startIndex..<end]
                pending = Data(pending[(end + 1)...])
                guard let object = try? JSONSerialization.jsonObject(with: message) as? [String: Any],
                    let id = object["id"] as? Int
                else { continue }
                lock.withLock {
                    answers[id] = object
                    lock.broadcast()
                }
            }
        }
        lock.withLock {
            ended = true
            lock.broadcast()
        }
    }
}
