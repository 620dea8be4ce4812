import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The outcome of a command run to completion.
public struct CommandOutput: Sendable, CustomStringConvertible {
    /// The exit status (or, for a command killed by a signal, 128 + the signal).
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    public var succeeded: Bool { status == 0 }

    public var description: String {
        "exit \(status); stdout: \(stdout.isEmpty ? "(empty)" : stdout); stderr: \(stderr.isEmpty ? "(empty)" : stderr)"
    }
}

/// A `scripts/lab` command that failed, with what it printed.
public struct LabError: Error, CustomStringConvertible {
    public let arguments: [String]
    public let output: CommandOutput

    public var description: String { "lab \(arguments.joined(separator: " ")) failed: \(output)" }
}

/// One host of a running lab, as `lab info` describes it.
public struct LabHost: Sendable {
    /// 1-based.
    public let index: Int
    /// The host's network namespace (`cl<id>-h<I>`).
    public let namespace: String
    /// The host's only interface besides loopback (`cl<id>-v<I>`), what nodes must bind to.
    public let interface: String
    /// The host's IPv4 address on the lab's /24.
    public let address: String
    /// The host's private system bus, as a `DBUS_SYSTEM_BUS_ADDRESS` value.
    public let bus: String
    /// The host's directory in the lab (configs, daemon logs).
    public let directory: String
    /// The avahi-daemon's log, worth attaching to a failed test.
    public let avahiLog: String
}

/// A lab of network-namespace hosts, each with its own dbus system bus and avahi-daemon, driven
/// through `scripts/lab` (see DESIGN.md section 5) for integration tests.
///
/// Each `Lab.up` makes a lab of its own under `/tmp/coalition-lab-<name>-<random>`, so suites
/// never share hosts; the test process is recorded as its owner, so a lab left behind by a
/// crashed run is taken down by the next `Lab.up` (`lab gc`). Always pair `up` with
/// `defer { lab.down() }`. Needs root: check `Lab.isAvailable` / `Lab.unavailableReason`.
public struct Lab: Sendable {
    /// The lab's directory (`COALITION_LAB_DIR` for the script).
    public let directory: String
    /// Hosts 1...N; `hosts[0]` is host 1.
    public let hosts: [LabHost]

    /// The lab's coalition key file, made by `node keygen` when the lab came up: pass it to every
    /// `node join` with `--key-file` (unless the test is about `--insecure`).
    public var keyFile: String { "\(directory)/coalition.key" }

    /// The package's root directory, found from this file's path.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `scripts/lab`.
    public static let script: URL = packageRoot.appendingPathComponent("scripts/lab")

    /// Why the lab cannot run here, or nil when it can (root, `ip` and `avahi-daemon` present).
    public static var unavailableReason: String? {
        if getuid() != 0 { return "the lab needs root (network namespaces); run the tests as root" }
        if findExecutable("ip") == nil { return "'ip' not found: run scripts/install-deps (iproute2)" }
        if findExecutable("avahi-daemon") == nil {
            return "'avahi-daemon' not found: run scripts/install-deps (avahi-daemon)"
        }
        if !FileManager.default.isExecutableFile(atPath: script.path) { return "\(script.path) is missing" }
        return nil
    }

    /// True when `Lab.up` can work here.
    public static var isAvailable: Bool { unavailableReason == nil }

    /// Creates a lab of `hosts` hosts and waits until every host's avahi-daemon runs.
    /// - Parameter name: a short tag for the lab's directory, to tell labs apart in `/tmp`.
    public static func up(hosts count: Int, name: String = "test") throws -> Lab {
        let tag = String(name.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(16))
        let random = UUID().uuidString.lowercased().prefix(8)
        let directory = "/tmp/coalition-lab-\(tag.isEmpty ? "test" : tag)-\(random)"
        // Leftovers of crashed runs first: labs whose owner process is gone.
        _ = try? invoke(["gc"], directory: directory)
        let up = try invoke(["up", String(count)], directory: directory)
        guard up.succeeded else { throw LabError(arguments: ["up", String(count)], output: up) }
        do {
            let hosts = try (1...count).map { try describeHost($0, directory: directory) }
            let lab = Lab(directory: directory, hosts: hosts)
            try lab.keygen(lab.keyFile)
            return lab
        } catch {
            _ = try? invoke(["down"], directory: directory)
            throw error
        }
    }

    /// Makes a new coalition key file at `path` with `node keygen` (mode 0600); returns `path`.
    @discardableResult
    public func keygen(_ path: String) throws -> String {
        let output = try Lab.runProgram(URL(fileURLWithPath: Lab.nodeBinary), ["keygen", path])
        guard output.succeeded else { throw LabError(arguments: ["(node) keygen", path], output: output) }
        return path
    }

    /// Host `index` (1-based).
    public func host(_ index: Int) -> LabHost { hosts[index - 1] }

    /// Host `index`'s IPv4 address.
    public func address(host index: Int) -> String { host(index).address }

    /// Runs a command in a host (its namespace, its bus, its cgroup) to completion. A non-zero
    /// exit is returned, not thrown.
    /// - Parameter timeout: seconds after which the command gets SIGTERM (then SIGKILL 1 s later).
    @discardableResult
    public func run(host index: Int, timeout: Double? = nil, _ arguments: [String]) throws -> CommandOutput {
        let limited = timeout.map { ["timeout", "-k", "1", String($0)] + arguments } ?? arguments
        return try Lab.invoke(["run", String(index)] + limited, directory: directory)
    }

    @discardableResult
    public func run(host index: Int, timeout: Double? = nil, _ arguments: String...) throws -> CommandOutput {
        try run(host: index, timeout: timeout, arguments)
    }

    /// Starts a command in the background in a host, in a session of its own, its output
    /// appended to `logFile`; returns its pid. `kill`, `pause`, `resume` and `down` reach it.
    @discardableResult
    public func spawn(host index: Int, logFile: String, _ arguments: [String]) throws -> pid_t {
        let output = try check(["spawn", String(index), logFile] + arguments)
        guard let pid = pid_t(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw LabError(arguments: ["spawn", String(index), logFile] + arguments, output: output)
        }
        return pid
    }

    @discardableResult
    public func spawn(host index: Int, logFile: String, _ arguments: String...) throws -> pid_t {
        try spawn(host: index, logFile: logFile, arguments)
    }

    /// A process (not yet started) that runs a command in a host through `lab run`: recorded by
    /// the lab like a spawned one, but the test is its parent, so it can wait for its exit status.
    public func process(host index: Int, _ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = Lab.script
        process.arguments = ["run", String(index)] + arguments
        process.environment = Lab.environment(directory: directory)
        return process
    }

    /// The command prefix that runs a program in a host without the lab recording it
    /// (`ip netns exec NS env --default-signal DBUS_SYSTEM_BUS_ADDRESS=...`). The program
    /// is not in the host's cgroup and `kill`/`pause` do not reach it; `down` still ends it.
    /// Keep the prefix: a process started straight from a test inherits the test thread's
    /// blocked signal mask (libdispatch blocks them all), and `env --default-signal` clears it.
    public func execPrefix(host index: Int) throws -> [String] {
        try check(["exec-env", String(index)]).stdout.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    /// A link failure no peer is told about: the host's bridge port goes down. With
    /// `keepCarrier`, the port stops forwarding instead and the host's own veth stays up.
    public func cut(host index: Int, keepCarrier: Bool = false) throws {
        try check(["cut", String(index)] + (keepCarrier ? ["--keep-carrier"] : []))
    }

    /// Undoes `cut`.
    public func heal(host index: Int) throws { try check(["heal", String(index)]) }

    /// SIGKILL to the processes started on a host (all of them, or the given pids): a crash.
    public func kill(host index: Int, pids: [pid_t] = []) throws {
        try check(["kill", String(index)] + pids.map(String.init))
    }

    /// SIGSTOP to the processes started on a host: a hung board.
    public func pause(host index: Int, pids: [pid_t] = []) throws {
        try check(["pause", String(index)] + pids.map(String.init))
    }

    /// SIGCONT to the processes started on a host.
    public func resume(host index: Int, pids: [pid_t] = []) throws {
        try check(["resume", String(index)] + pids.map(String.init))
    }

    /// SIGHUP to the processes started on a host (all of them, or the given pids): a node
    /// re-reads its `--key-file`.
    public func hup(host index: Int, pids: [pid_t] = []) throws {
        try check(["hup", String(index)] + pids.map(String.init))
    }

    /// Drops `percent` % of a host's packets each way, at random; 0 removes the loss.
    public func loss(host index: Int, percent: Double) throws {
        try check(["loss", String(index), String(percent)])
    }

    /// Limits the processes started on a host to `fraction` of one CPU (0.25, 1.5); nil lifts it.
    public func cpu(host index: Int, fraction: Double?) throws {
        try check(["cpu", String(index), fraction.map { String($0) } ?? "max"])
    }

    /// Stops a host's avahi-daemon by its recorded pid: SIGTERM (it sends goodbyes), or with
    /// `crash` SIGKILL, so its records stay in the other hosts' caches (a board losing power).
    public func avahiStop(host index: Int, crash: Bool = false) throws {
        try check(["avahi-stop", String(index)] + (crash ? ["--crash"] : []))
    }

    /// Starts a host's avahi-daemon again and waits until it runs.
    public func avahiStart(host index: Int) throws { try check(["avahi-start", String(index)]) }

    /// True if host `to` answers a TCP probe from host `from` within `seconds`.
    public func reachable(from: Int, to: Int, within seconds: Int = 1) throws -> Bool {
        try Lab.invoke(["reach", String(from), String(to), String(seconds)], directory: directory).succeeded
    }

    /// `lab status`: the hosts, links, daemons, faults and processes, for a failure message.
    public func status() -> String {
        (try? Lab.invoke(["status"], directory: directory).stdout) ?? "(lab status failed)"
    }

    /// Removes everything the lab made. Never throws, so it fits in a `defer`; a failure is
    /// printed to standard error.
    public func down() {
        do {
            let output = try Lab.invoke(["down"], directory: directory)
            if !output.succeeded { FileHandle.standardError.write(Data("lab down: \(output)\n".utf8)) }
        } catch {
            FileHandle.standardError.write(Data("lab down: \(error)\n".utf8))
        }
    }

    /// Polls `condition` every `interval` seconds until it holds or `seconds` have passed;
    /// returns whether it held.
    public static func poll(within seconds: Double, every interval: Double = 0.2, _ condition: () throws -> Bool) rethrows
        -> Bool
    {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if try condition() { return true }
            if Date() >= deadline { return false }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    // MARK: - Running the script

    @discardableResult
    private func check(_ arguments: [String]) throws -> CommandOutput {
        let output = try Lab.invoke(arguments, directory: directory)
        guard output.succeeded else { throw LabError(arguments: arguments, output: output) }
        return output
    }

    private static func describeHost(_ index: Int, directory: String) throws -> LabHost {
        let output = try invoke(["info", String(index)], directory: directory)
        guard output.succeeded else { throw LabError(arguments: ["info", String(index)], output: output) }
        var fields: [String: String] = [:]
        for line in output.stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        func field(_ key: String) throws -> String {
            guard let value = fields[key], !value.isEmpty else {
                throw LabError(arguments: ["info", String(index)], output: output)
            }
            return value
        }
        return LabHost(
            index: index, namespace: try field("namespace"), interface: try field("interface"),
            address: try field("address"), bus: try field("bus"), directory: try field("dir"),
            avahiLog: try field("avahi_log"))
    }

    private static func environment(directory: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["COALITION_LAB_DIR"] = directory
        environment["COALITION_LAB_OWNER_PID"] = String(getpid())
        return environment
    }

    /// Runs `scripts/lab ARGUMENTS` to completion.
    public static func invoke(_ arguments: [String], directory: String) throws -> CommandOutput {
        try runProgram(script, arguments, environment: environment(directory: directory))
    }

    /// The `node` executable built beside the test bundle (`swift build --build-tests` builds it).
    public static let nodeBinary: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("node").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/node").path
    }()

    /// Runs a program to completion. Output goes through temporary files rather than pipes, so
    /// a daemon that inherits them can never keep us waiting.
    public static func runProgram(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandOutput {
        let temporary = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        let outURL = temporary.appendingPathComponent("lab-\(id).out")
        let errURL = temporary.appendingPathComponent("lab-\(id).err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        let status =
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return CommandOutput(
            status: status,
            stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
    }

    /// The first `name` on PATH, then in the sbin and bin folders (where root's tools live); nil when none.
    public static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
