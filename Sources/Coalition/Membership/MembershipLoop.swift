import Foundation
import MembershipCore
import Synchronization

/// The membership thread: one dedicated thread that sleeps in `poll` on the socket until the
/// next tick, reads what arrived, ticks on time and sends everything in one `sendmmsg`. Other
/// threads reach the driver only through ``submit(_:)`` (a queue and an eventfd), so the
/// driver is confined to this thread, and a busy decode elsewhere cannot delay a heartbeat.
///
/// Ticks fall on multiples of the heartbeat interval of the wall clock: members whose clocks
/// agree (NTP on a LAN) send their heartbeats at the same instants, so a member's incoming
/// heartbeats arrive together and wake it once, not three times.
final class MembershipLoop: Sendable {
    typealias Command = @Sendable (MembershipDriver) -> Void

    private struct State {
        var commands: [Command] = []
        /// The socket while the thread runs.
        var socket: MembershipSocket?
        var stopping = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Touched only by the thread once it runs, or under `state`'s lock before and after.
    private nonisolated(unsafe) let driver: MembershipDriver
    private let state = Mutex(State())

    init(driver: MembershipDriver) {
        self.driver = driver
    }

    /// Runs `command` on the membership thread (at once, under the lock, when no thread runs).
    func submit(_ command: @escaping Command) {
        let socket: MembershipSocket? = state.withLock { state in
            guard let socket = state.socket, !state.finished else {
                command(driver)
                return nil
            }
            state.commands.append(command)
            return socket
        }
        socket?.wake()
    }

    /// Runs `command` on the membership thread and returns its result.
    func value<T: Sendable>(_ command: @escaping @Sendable (MembershipDriver) -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { continuation.resume(returning: command($0)) }
        }
    }

    /// Starts the thread on `socket`; it runs until ``stop()``.
    func start(on socket: MembershipSocket) {
        state.withLock { state in
            driver.socket = socket
            state.socket = socket
        }
        let thread = Thread { [self] in
            MembershipSocket.nameCurrentThread("membership")
            run(socket)
        }
        thread.start()
    }

    /// Asks the thread to say goodbye (`leave`), close the socket and end.
    func stop() {
        let socket = state.withLock { state -> MembershipSocket? in
            state.stopping = true
            return state.socket
        }
        socket?.wake()
    }

    /// Returns once the thread has ended (at once if it never started).
    func finished() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.finished || state.socket == nil { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func run(_ socket: MembershipSocket) {
        let interval = max(1, driver.heartbeatInterval.nanoseconds)
        driver.tick()
        driver.flush()
        var nextTick = MembershipDriver.now + .nanoseconds(Self.delayToNextBoundary(interval: interval))
        while true {
            let readiness = socket.wait(nanoseconds: (nextTick - MembershipDriver.now).nanoseconds)
            if readiness.readable {
                socket.receive { datagram, source in driver.receive(datagram, from: source) }
            }
            let (commands, stopping) = state.withLock { state in
                defer { state.commands.removeAll() }
                return (state.commands, state.stopping)
            }
            for command in commands { command(driver) }
            if stopping { break }
            if MembershipDriver.now >= nextTick {
                driver.tick()
                nextTick = MembershipDriver.now + .nanoseconds(Self.delayToNextBoundary(interval: interval))
            }
            driver.flush()
        }
        driver.leave()
        driver.flush()
        let (commands, waiters) = state.withLock { state in
            defer {
                state.commands = []
                state.waiters = []
                state.finished = true
                state.socket = nil
                driver.socket = nil
            }
            return (state.commands, state.waiters)
        }
        for command in commands { command(driver) }  // answers snapshots asked meanwhile
        for waiter in waiters { waiter.resume() }
    }

    /// Nanoseconds to the next multiple of `interval` on the wall clock, never less than a
    /// quarter interval (never two ticks in a row).
    static func delayToNextBoundary(interval: Int64) -> Int64 {
        let wallClock = Int64(Date().timeIntervalSince1970 * 1e9)
        var delay = interval - wallClock % interval
        if delay < interval / 4 { delay += interval }
        return delay
    }
}
