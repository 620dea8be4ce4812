import CLinuxSocket
import Glibc

/// A child process started with `posix_spawn(3)` whose standard input and output are pipes held
/// by the parent (standard error is inherited), for workers that speak a framed protocol over
/// them. The child starts with every signal unblocked and at its default disposition, whatever
/// the parent blocked or ignored (a daemon blocks SIGTERM and SIGINT for its own handling).
///
/// The parent owns `input` and `output` (both close-on-exec, so no other child inherits them)
/// and must close them, or hand them to something that will; it must also reap the child
/// (`waitForExit` or `exitStatusIfEnded`) so that it does not stay a zombie.
public struct ChildProcess: Sendable {
    /// The child's process id.
    public let id: Int32
    /// The write end of the child's standard input.
    public let input: FileDescriptor
    /// The read end of the child's standard output.
    public let output: FileDescriptor

    /// How a child ended.
    public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
        case exited(code: Int32)
        case signalled(signal: Int32)

        public var description: String {
            switch self {
            case .exited(let code): "exited with status \(code)"
            case .signalled(let signal): "killed by signal \(signal) (\(String(cString: strsignal(signal))))"
            }
        }
    }

    /// Starts `executable` (a path; no PATH lookup) with `arguments` (without argv[0], which is
    /// the executable) and this process's environment.
    public static func spawn(executable: String, arguments: [String]) throws(SystemCallError) -> ChildProcess {
        let stdinPipe = try makePipe()
        let stdoutPipe: (read: Int32, write: Int32)
        do {
            stdoutPipe = try makePipe()
        } catch {
            close(stdinPipe.read)
            close(stdinPipe.write)
            throw error
        }
        defer {
            // The child's ends: the child has its own copies once spawned, or there is no child.
            close(stdinPipe.read)
            close(stdoutPipe.write)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe.read, STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe.write, STDOUT_FILENO)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard status == 0 else {
            close(stdinPipe.write)
            close(stdoutPipe.read)
            throw SystemCallError(operation: "spawn \(executable)", code: SystemCallError.Code(rawValue: status))
        }
        return ChildProcess(id: pid, input: FileDescriptor(rawValue: stdinPipe.write), output: FileDescriptor(rawValue: stdoutPipe.read))
    }

    /// Sends `signal` (e.g. `SIGKILL`) to the child. Sending to a child that ended but was not
    /// reaped yet is harmless; after reaping, the id may belong to another process: do not.
    public func send(signal: Int32) throws(SystemCallError) {
        _ = try retryingOnInterrupt("kill \(id)") { kill(id, signal) }
    }

    /// Waits until the child ends and reaps it. Blocks the calling thread: call it off any event loop.
    public func waitForExit() throws(SystemCallError) -> ExitStatus {
        var status: Int32 = 0
        _ = try retryingOnInterrupt("waitpid \(id)") { waitpid(id, &status, 0) }
        return Self.exitStatus(status)
    }

    /// Reaps the child if it has ended; nil while it runs.
    public func exitStatusIfEnded() throws(SystemCallError) -> ExitStatus? {
        var status: Int32 = 0
        let result = try retryingOnInterrupt("waitpid \(id)") { waitpid(id, &status, WNOHANG) }
        return result == 0 ? nil : Self.exitStatus(status)
    }

    private static func exitStatus(_ status: Int32) -> ExitStatus {
        // WIFEXITED/WEXITSTATUS/WTERMSIG are macros Swift does not import.
        let signal = status & 0x7f
        return signal == 0 ? .exited(code: (status >> 8) & 0xff) : .signalled(signal: signal)
    }

    private static func makePipe() throws(SystemCallError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        _ = try retryingOnInterrupt("pipe2") { CLinuxSocket_pipe2(&ends, O_CLOEXEC) }
        return (ends[0], ends[1])
    }
}
