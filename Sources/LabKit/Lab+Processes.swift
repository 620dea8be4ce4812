import ChildProcess
import Foundation

/// Running programs in a host.
extension Lab {
    /// Runs a command in a host (its namespace, its bus, its cgroup) to completion. A non-zero
    /// exit is returned, not thrown.
    /// - Parameter timeout: seconds after which the command gets SIGTERM (then SIGKILL 1 s later).
    @discardableResult
    public func run(host index: Int, timeout: Double? = nil, _ arguments: [String]) throws -> CommandOutput {
        let limited = timeout.map { ["timeout", "-k", "1", String($0)] + arguments } ?? arguments
        return try driver.invoke(["run", String(index)] + limited)
    }

    @discardableResult
    public func run(host index: Int, timeout: Double? = nil, _ arguments: String...) throws -> CommandOutput {
        try run(host: index, timeout: timeout, arguments)
    }

    /// Starts a command in the background in a host, in a session of its own, its output
    /// appended to `logFile`; returns its pid. `kill`, `pause`, `resume` and `down` reach it.
    @discardableResult
    public func spawn(host index: Int, logFile: String, _ arguments: [String]) throws -> pid_t {
        let output = try driver.check(["spawn", String(index), logFile] + arguments)
        guard let pid = pid_t(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw LabError(arguments: ["spawn", String(index), logFile] + arguments, output: output)
        }
        return pid
    }

    @discardableResult
    public func spawn(host index: Int, logFile: String, _ arguments: String...) throws -> pid_t {
        try spawn(host: index, logFile: logFile, arguments)
    }

    /// The live processes started on a host through `run` and `spawn`, with their command lines
    /// (arguments joined by spaces).
    public func processes(host index: Int) throws -> [(pid: pid_t, command: String)] {
        try driver.check(["procs", String(index)]).stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let pid = parts.first.flatMap({ pid_t($0) }) else { return nil }
            return (pid, parts.count > 1 ? String(parts[1]) : "")
        }
    }

    /// A process (not yet started) that runs a command in a host through `lab run`: recorded by
    /// the lab like a spawned one, but the caller is its parent, so it can wait for its exit status.
    public func process(host index: Int, _ arguments: [String]) -> Process {
        ChildProcess.prepare(script, ["run", String(index)] + arguments, environment: driver.environment)
    }

    /// The command prefix that runs a program in a host without the lab recording it
    /// (`ip netns exec NS env --default-signal DBUS_SYSTEM_BUS_ADDRESS=...`). The program
    /// is not in the host's cgroup and `kill`/`pause` do not reach it; `down` still ends it.
    /// Keep the prefix: a process started straight from a test inherits the test thread's
    /// blocked signal mask (libdispatch blocks them all), and `env --default-signal` clears it.
    public func execPrefix(host index: Int) throws -> [String] {
        try driver.check(["exec-env", String(index)]).stdout.split(whereSeparator: \.isWhitespace).map(String.init)
    }
}

/// A board of the lab: `node join` on one host, as the lab tests start it.
extension Lab {
    /// The control socket of the board `node join` runs on `host` (in the host's directory).
    public func boardSocket(host index: Int) -> String { "\(host(index).directory)/node.sock" }

    /// Starts `node join` on `host` as board `board-N`: bound to the host's address, its
    /// control socket at ``boardSocket(host:)``, its state, log (`node.log`) in the host's
    /// directory, the committed build-machine profile, `idleCores` spare cores (emulated), and
    /// `keyFile` (default: the lab's key). Returns its pid.
    @discardableResult
    public func joinBoard(host index: Int, idleCores: Double, keyFile: String? = nil) throws -> pid_t {
        let directory = host(index).directory
        return try spawn(host: index, logFile: "\(directory)/node.log", [
            Lab.nodeBinary, "join", "--name", "board-\(index)", "--bind", address(host: index),
            "--control-socket", boardSocket(host: index), "--state-dir", "\(directory)/state",
            "--profile", try Lab.committedProfile(), "--emulate-idle-cores", "\(idleCores)",
            "--key-file", keyFile ?? self.keyFile,
        ])
    }
}
