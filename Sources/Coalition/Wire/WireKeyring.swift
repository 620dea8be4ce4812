import Synchronization

/// The coalition keys a daemon is using right now, shared by everything that tags or checks
/// frames (the membership thread, the query listener, the service client) and replaced in one
/// step when the key file is re-read (SIGHUP), so boards are re-keyed without a restart.
///
/// Encoders and decoders read ``authenticator`` once per frame: a frame is tagged or checked
/// wholly under the old keys or wholly under the new ones, and the next frame after
/// ``replace(with:)`` or a successful ``reload()`` uses the new ones, on every thread.
public final class WireKeyring: Sendable {
    /// The file the keys were read from and are re-read from; nil when they were given in code.
    public let keyFile: String?
    private let state: Mutex<State>

    private struct State {
        var authenticator: WireAuthenticator
        /// Why the last reload failed; nil once one succeeds.
        var lastReloadFailure: WireKeyError?
    }

    /// Keys given in code (tests, embedding); ``reload()`` has nothing to re-read.
    public init(_ authenticator: WireAuthenticator) {
        keyFile = nil
        state = Mutex(State(authenticator: authenticator))
    }

    /// The keys of `keyFile` (format: ``CoalitionKeyFile``), re-read by ``reload()``.
    public init(keyFile: String) throws(WireKeyError) {
        self.keyFile = keyFile
        state = Mutex(State(authenticator: try WireAuthenticator(keyFile: keyFile)))
    }

    /// The keys in force.
    public var authenticator: WireAuthenticator { state.withLock { $0.authenticator } }

    /// Puts `authenticator` in force for every frame from now on.
    public func replace(with authenticator: WireAuthenticator) {
        state.withLock {
            $0.authenticator = authenticator
            $0.lastReloadFailure = nil
        }
    }

    /// Re-reads ``keyFile`` and puts its keys in force; returns them. A file that cannot be
    /// used leaves the keys in force as they were, is remembered (``lastReloadFailure``) and
    /// thrown, naming the file and line.
    @discardableResult
    public func reload() throws(WireKeyError) -> WireAuthenticator {
        guard let keyFile else {
            throw WireKeyError(path: nil, reason: "these keys were not read from a file, so there is nothing to re-read")
        }
        do {
            let fresh = try WireAuthenticator(keyFile: keyFile)
            replace(with: fresh)
            return fresh
        } catch {
            state.withLock { $0.lastReloadFailure = error }
            throw error
        }
    }

    /// Why the last reload failed (the old keys stayed in force); nil if it succeeded or none was tried.
    public var lastReloadFailure: WireKeyError? { state.withLock { $0.lastReloadFailure } }
}
