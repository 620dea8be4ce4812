// All unsafe code that talks to libavahi-client lives in this file.
//
// Threading: an `AvahiThreadedPoll` runs its own thread. Every Avahi callback runs on it with
// the poll's lock held; every call from another thread takes that lock first. The lock also
// guards all mutable state of `AvahiSession`, which is why the class is `@unchecked Sendable`.
// Callbacks get an `Unmanaged` pointer to the session as userdata; there are no globals.
import CAvahi
import Logging

// MARK: - Owned handles: one final class per C object, freed in deinit.

/// Owns an `AvahiThreadedPoll`.
final class ThreadedPollHandle {
    let pointer: OpaquePointer
    private(set) var running = false

    init() throws(AvahiError) {
        guard let pointer = avahi_threaded_poll_new() else {
            throw AvahiError(code: Int32(AVAHI_ERR_NO_MEMORY), operation: "creating the threaded poll")
        }
        self.pointer = pointer
    }

    var api: UnsafePointer<AvahiPoll> { avahi_threaded_poll_get(pointer) }

    func start() throws(AvahiError) {
        let result = avahi_threaded_poll_start(pointer)
        guard result >= 0 else { throw AvahiError(code: result, operation: "starting the poll thread") }
        running = true
    }

    /// Stops the thread and waits for it. Must not be called with the lock held.
    func stop() {
        if running { avahi_threaded_poll_stop(pointer) }
        running = false
    }

    func lock() { avahi_threaded_poll_lock(pointer) }
    func unlock() { avahi_threaded_poll_unlock(pointer) }

    deinit {
        stop()
        avahi_threaded_poll_free(pointer)
    }
}

/// Owns an `AvahiClient`. Its children (groups, browsers, resolvers) must be freed first.
final class ClientHandle {
    /// Set from the first callback, which runs inside `avahi_client_new` before it returns.
    var pointer: OpaquePointer?

    func free() {
        if let pointer { avahi_client_free(pointer) }
        pointer = nil
    }

    deinit { free() }
}

/// Owns an `AvahiEntryGroup`.
final class EntryGroupHandle {
    private(set) var pointer: OpaquePointer?
    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    /// Withdraws every record of the group (peers receive goodbyes) and frees it.
    func free() {
        if let pointer {
            avahi_entry_group_reset(pointer)
            avahi_entry_group_free(pointer)
        }
        pointer = nil
    }

    deinit { free() }
}

/// Owns an `AvahiServiceBrowser`.
final class ServiceBrowserHandle {
    private(set) var pointer: OpaquePointer?
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    func free() {
        if let pointer { avahi_service_browser_free(pointer) }
        pointer = nil
    }
    deinit { free() }
}

/// Owns an `AvahiServiceResolver`.
final class ServiceResolverHandle {
    private(set) var pointer: OpaquePointer?
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    func free() {
        if let pointer { avahi_service_resolver_free(pointer) }
        pointer = nil
    }
    deinit { free() }
}

/// Owns an `AvahiTimeout` of the threaded poll.
final class TimeoutHandle {
    private let api: UnsafePointer<AvahiPoll>
    private var pointer: OpaquePointer?
    init(api: UnsafePointer<AvahiPoll>, pointer: OpaquePointer) {
        self.api = api
        self.pointer = pointer
    }
    func free() {
        if let pointer { CAvahi_timeoutFree(api, pointer) }
        pointer = nil
    }
    deinit { free() }
}

/// An Avahi error code with its message (`avahi_strerror`) and what we were doing.
struct AvahiError: Error, CustomStringConvertible {
    let code: Int32
    let operation: String
    var message: String { String(cString: avahi_strerror(code)) }
    var description: String { "\(operation): \(message) (avahi error \(code))" }
}

// MARK: - The session: publish, browse, resolve, reconnect.

/// One publishing-and-browsing session against the local Avahi daemon.
///
/// Every stored property is guarded by the threaded poll's lock (see the file header).
final class AvahiSession: @unchecked Sendable {
    private let configuration: DiscoveryAgent.Configuration
    private let logger: Logger
    private let emit: @Sendable (DiscoveryEvent) -> Void
    private let poll: ThreadedPollHandle

    private var announcement: Announcement
    private var serviceName: String
    /// The name the node was started with.
    private let originalName: String
    /// Collisions since our record was last established.
    private var collisions = 0
    private var table: PeerTable
    private var backoff: Backoff
    private var client: ClientHandle?
    private var group: EntryGroupHandle?
    private var browser: ServiceBrowserHandle?
    /// One resolver per listed service being resolved; freed once it answered or failed.
    private var resolvers: [PeerTable.Key: ServiceResolverHandle] = [:]
    private var retryTimer: TimeoutHandle?
    private var reminderTimer: TimeoutHandle?
    /// Fires when the earliest failed resolution is due again (`PeerTable.nextRetry`).
    private var resolveTimer: TimeoutHandle?
    private var daemonReported = false
    private var stopping = false
    private var userdata: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    init(
        announcement: Announcement, configuration: DiscoveryAgent.Configuration, logger: Logger,
        emit: @escaping @Sendable (DiscoveryEvent) -> Void
    ) throws(AvahiError) {
        self.announcement = announcement
        self.serviceName = announcement.name
        self.originalName = announcement.name
        self.configuration = configuration
        self.logger = logger
        self.emit = emit
        self.table = PeerTable(
            ownNodeID: announcement.nodeID, timing: configuration.resolveTiming,
            acceptedProtocolVersions: configuration.acceptedProtocolVersions)
        self.backoff = configuration.backoff
        self.poll = try ThreadedPollHandle()
    }

    private var interface: AvahiIfIndex { configuration.interfaceIndex ?? CAvahi_ifUnspec() }

    /// Starts the poll thread and the first connection attempt.
    func start() throws(AvahiError) {
        try poll.start()
        poll.lock()
        connect()
        poll.unlock()
    }

    /// Withdraws our record and frees everything. Call once, from outside the poll thread.
    func shutdown() {
        poll.lock()
        stopping = true
        poll.unlock()
        poll.stop()
        // The poll thread is gone: nothing else touches the state now.
        retryTimer?.free()
        reminderTimer?.free()
        resolveTimer?.free()
        let withdrawn = group?.pointer != nil
        tearDownClient()
        if withdrawn { logger.info("withdrew \(configuration.serviceType) record", metadata: ["service": "\(serviceName)"]) }
    }

    // MARK: Connection

    /// Creates a client. `AVAHI_CLIENT_NO_FAIL` makes it wait for a daemon that is not running
    /// (state CONNECTING); only an unreachable system bus makes creation itself fail.
    private func connect() {
        let handle = ClientHandle()
        client = handle
        var error: Int32 = 0
        let pointer = avahi_client_new(poll.api, AVAHI_CLIENT_NO_FAIL, clientCallback, userdata, &error)
        guard let pointer else {
            client = nil
            let delay = backoff.next()
            let reason = AvahiError(code: error, operation: "avahi_client_new")
            reportDaemonDown(
                "avahi-daemon is not running: start it, or the system D-Bus it listens on (\(reason.message), avahi error \(error)); retrying in \(delay)")
            schedule(after: delay, callback: reconnectCallback)
            return
        }
        handle.pointer = pointer
    }

    /// Frees the client and everything it owns; peers stay known until re-browsing settles.
    private func tearDownClient() {
        for resolver in resolvers.values { resolver.free() }
        resolvers.removeAll()
        resolveTimer?.free()
        resolveTimer = nil
        browser?.free()
        browser = nil
        group?.free()
        group = nil
        client?.free()
        client = nil
        table.browseRestarted()
    }

    fileprivate func onClientState(_ pointer: OpaquePointer?, _ state: AvahiClientState) {
        if let client, client.pointer == nil { client.pointer = pointer }
        guard !stopping else { return }
        switch state {
        case AVAHI_CLIENT_S_RUNNING:
            if daemonReported { logger.notice("avahi-daemon is running again: publishing and browsing") }
            daemonReported = false
            reminderTimer?.free()
            reminderTimer = nil
            backoff.reset()
            publish()
            browse()
        case AVAHI_CLIENT_S_COLLISION, AVAHI_CLIENT_S_REGISTERING:
            // The daemon is (re)registering its host name: our records go back to the start.
            if let pointer = group?.pointer { avahi_entry_group_reset(pointer) }
        case AVAHI_CLIENT_CONNECTING:
            reportDaemonDown(
                "avahi-daemon is not running: start it or point DBUS_SYSTEM_BUS_ADDRESS at the bus it uses; waiting for it to appear")
            scheduleReminder()
        case AVAHI_CLIENT_FAILURE:
            let code = pointer.map { avahi_client_errno($0) } ?? Int32(AVAHI_ERR_FAILURE)
            let delay = backoff.next()
            reportDaemonDown(
                "avahi-daemon is not running: start it or check it (\(AvahiError(code: code, operation: "lost the daemon"))); reconnecting in \(delay)")
            // Freeing the client inside its own callback is unsafe: do it from a timer.
            schedule(after: delay, callback: reconnectCallback)
        default:
            break
        }
    }

    fileprivate func onReconnectTimer() {
        retryTimer?.free()
        retryTimer = nil
        guard !stopping else { return }
        tearDownClient()
        connect()
    }

    fileprivate func onReminderTimer() {
        reminderTimer?.free()
        reminderTimer = nil
        guard !stopping, daemonReported else { return }
        logger.warning("avahi-daemon is still not running: start it; this node is not visible to its peers meanwhile")
        scheduleReminder()
    }

    private func reportDaemonDown(_ message: String) {
        logger.warning("\(message)")
        if !daemonReported { emit(.daemonUnavailable(reason: message)) }
        daemonReported = true
    }

    private func scheduleReminder() {
        reminderTimer?.free()
        reminderTimer = makeTimer(after: configuration.waitingReminder, callback: reminderCallback)
    }

    private func schedule(after delay: Duration, callback: AvahiTimeoutCallback) {
        retryTimer?.free()
        retryTimer = makeTimer(after: delay, callback: callback)
    }

    private func makeTimer(after delay: Duration, callback: AvahiTimeoutCallback) -> TimeoutHandle? {
        let milliseconds = UInt32(clamping: delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
        guard let pointer = CAvahi_timeoutNew(poll.api, milliseconds, callback, userdata) else { return nil }
        return TimeoutHandle(api: poll.api, pointer: pointer)
    }

    // MARK: Publishing

    private func publish() {
        guard let clientPointer = client?.pointer else { return }
        if group == nil {
            guard let pointer = avahi_entry_group_new(clientPointer, entryGroupCallback, userdata) else {
                logger.error("cannot create an entry group: \(AvahiError(code: avahi_client_errno(clientPointer), operation: "avahi_entry_group_new"))")
                return
            }
            group = EntryGroupHandle(pointer)
        }
        guard let groupPointer = group?.pointer, avahi_entry_group_is_empty(groupPointer) != 0 else { return }
        addServiceAndCommit(groupPointer)
    }

    private func addServiceAndCommit(_ groupPointer: OpaquePointer) {
        let entries: [String]
        do {
            entries = try TXTRecord.encode(announcement)
        } catch {
            logger.error("not publishing: our own TXT record is invalid: \(error)")
            return
        }
        var list: UnsafeMutablePointer<AvahiStringList>? = nil
        for entry in entries { list = avahi_string_list_add(list, entry) }
        defer { avahi_string_list_free(list) }
        var result = avahi_entry_group_add_service_strlst(
            groupPointer, interface, CAvahi_protoInet(), AvahiPublishFlags(0), serviceName,
            configuration.serviceType, configuration.domain, nil, UInt16(announcement.heartbeatPort), list)
        if result == Int32(AVAHI_ERR_COLLISION) {
            rename(groupPointer)
            return
        }
        if result >= 0 { result = avahi_entry_group_commit(groupPointer) }
        if result < 0 {
            logger.error("cannot publish \(configuration.serviceType) '\(serviceName)': \(AvahiError(code: result, operation: "adding the service"))")
        }
    }

    /// Picks the next alternative name ("name #2", "name #3", ...) and publishes under it.
    private func rename(_ groupPointer: OpaquePointer) {
        let old = serviceName
        collisions += 1
        serviceName = ServiceName.afterCollision(
            original: originalName, current: serviceName, collisions: collisions, nodeID: announcement.nodeID
        ) { current in
            guard let alternative = avahi_alternative_service_name(current) else { return current + " #2" }
            defer { avahi_free(alternative) }
            return String(cString: alternative)
        }
        if serviceName.utf8.count <= TXTRecord.maximumNameBytes { announcement.name = serviceName }
        logger.notice("service name '\(old)' is taken on the network: renaming to '\(serviceName)'")
        avahi_entry_group_reset(groupPointer)
        addServiceAndCommit(groupPointer)
    }

    fileprivate func onEntryGroupState(_ pointer: OpaquePointer?, _ state: AvahiEntryGroupState) {
        guard !stopping, let pointer else { return }
        switch state {
        case AVAHI_ENTRY_GROUP_ESTABLISHED:
            collisions = 0
            logger.info("published \(configuration.serviceType) '\(serviceName)'", metadata: ["id": "\(announcement.nodeID)"])
            emit(.published(serviceName: serviceName))
        case AVAHI_ENTRY_GROUP_COLLISION:
            rename(pointer)
        case AVAHI_ENTRY_GROUP_FAILURE:
            let code = client?.pointer.map { avahi_client_errno($0) } ?? Int32(AVAHI_ERR_FAILURE)
            logger.error("publishing '\(serviceName)' failed: \(AvahiError(code: code, operation: "entry group"))")
        default:
            break
        }
    }

    // MARK: Browsing and resolving

    private func browse() {
        guard browser == nil, let clientPointer = client?.pointer else { return }
        guard let pointer = avahi_service_browser_new(
            clientPointer, interface, CAvahi_protoInet(), configuration.serviceType, configuration.domain,
            AvahiLookupFlags(0), serviceBrowserCallback, userdata)
        else {
            logger.error("cannot browse \(configuration.serviceType): \(AvahiError(code: avahi_client_errno(clientPointer), operation: "avahi_service_browser_new"))")
            return
        }
        browser = ServiceBrowserHandle(pointer)
    }

    fileprivate func onBrowse(
        _ event: AvahiBrowserEvent, interface: AvahiIfIndex, protocol proto: AvahiProtocol,
        name: UnsafePointer<CChar>?, type: UnsafePointer<CChar>?, domain: UnsafePointer<CChar>?
    ) {
        guard !stopping else { return }
        switch event {
        case AVAHI_BROWSER_NEW:
            guard let name, let clientPointer = client?.pointer else { return }
            let key = PeerTable.Key(interfaceIndex: interface, serviceName: String(cString: name))
            guard table.browseNew(key) else { return }
            resolve(key, client: clientPointer)
        case AVAHI_BROWSER_REMOVE:
            guard let name else { return }
            let key = PeerTable.Key(interfaceIndex: interface, serviceName: String(cString: name))
            resolvers.removeValue(forKey: key)?.free()
            deliver(table.browseRemove(key))
        case AVAHI_BROWSER_ALL_FOR_NOW:
            deliver(table.browseSettled())
        case AVAHI_BROWSER_FAILURE:
            let code = client?.pointer.map { avahi_client_errno($0) } ?? Int32(AVAHI_ERR_FAILURE)
            logger.error("browsing \(configuration.serviceType) failed: \(AvahiError(code: code, operation: "service browser"))")
        default:
            break
        }
    }

    fileprivate func onResolve(
        _ event: AvahiResolverEvent, interface: AvahiIfIndex, name: UnsafePointer<CChar>?,
        hostName: UnsafePointer<CChar>?, address: UnsafePointer<AvahiAddress>?, port: UInt16,
        txt: UnsafeMutablePointer<AvahiStringList>?
    ) {
        guard !stopping, let name else { return }
        let key = PeerTable.Key(interfaceIndex: interface, serviceName: String(cString: name))
        switch event {
        case AVAHI_RESOLVER_FOUND:
            var text = [CChar](repeating: 0, count: 64)
            if let address { avahi_address_snprint(&text, text.count, address) }
            let addressString = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let host = hostName.map { String(cString: $0) } ?? ""
            let events = table.resolvedRecord(key, hostName: host, address: addressString, port: Int(port), txt: Self.strings(txt))
            // One-shot: the resolver is freed, so Avahi stops refreshing the peer's SRV and A
            // records (every answer to such a refresh is multicast to every host).
            resolvers.removeValue(forKey: key)?.free()
            deliver(events, source: "\(host) \(addressString):\(port)")
        case AVAHI_RESOLVER_FAILURE:
            let code = client?.pointer.map { avahi_client_errno($0) } ?? Int32(AVAHI_ERR_FAILURE)
            resolvers.removeValue(forKey: key)?.free()
            resolutionFailed(key, AvahiError(code: code, operation: "service resolver"))
        default:
            break
        }
    }

    /// Starts a one-shot resolver for a listed service; `onResolve` frees it at its answer.
    private func resolve(_ key: PeerTable.Key, client clientPointer: OpaquePointer) {
        resolvers.removeValue(forKey: key)?.free()
        if let pointer = avahi_service_resolver_new(
            clientPointer, key.interfaceIndex, CAvahi_protoInet(), key.serviceName, configuration.serviceType,
            configuration.domain, CAvahi_protoInet(), AvahiLookupFlags(0), serviceResolverCallback, userdata)
        {
            resolvers[key] = ServiceResolverHandle(pointer)
        } else {
            resolutionFailed(key, AvahiError(code: avahi_client_errno(clientPointer), operation: "avahi_service_resolver_new"))
        }
    }

    /// Logs a failed resolution and schedules its retry (the table's backoff).
    private func resolutionFailed(_ key: PeerTable.Key, _ error: AvahiError) {
        let now = ContinuousClock.now
        guard let due = table.resolveFailed(key, at: now) else { return }
        logger.warning("cannot resolve '\(key.serviceName)': \(error); retrying in \(due - now)")
        scheduleResolveTimer()
    }

    /// (Re)arms the retry timer for the earliest due retry, if any.
    private func scheduleResolveTimer() {
        resolveTimer?.free()
        resolveTimer = nil
        guard let due = table.nextRetry else { return }
        resolveTimer = makeTimer(after: max(.zero, due - ContinuousClock.now), callback: resolveCallback)
    }

    fileprivate func onResolveTimer() {
        resolveTimer?.free()
        resolveTimer = nil
        guard !stopping, let clientPointer = client?.pointer else { return }
        for key in table.dueRetries(at: .now) { resolve(key, client: clientPointer) }
        scheduleResolveTimer()
    }

    /// Resolves a peer again on request (see `DiscoveryAgent.resolveAgain`). Takes the poll's
    /// lock: never call it from an Avahi callback.
    func resolveAgain(_ target: DiscoveryAgent.ResolveTarget) -> PeerTable.ResolveAgainOutcome {
        poll.lock()
        defer { poll.unlock() }
        guard !stopping, let clientPointer = client?.pointer else { return .notListed }
        let outcome: PeerTable.ResolveAgainOutcome
        switch target {
        case .nodeID(let id): outcome = table.resolveAgain(nodeID: id, at: .now)
        case .serviceName(let name): outcome = table.resolveAgain(serviceName: name, at: .now)
        }
        switch outcome {
        case .started(let keys):
            logger.info("resolving again on request: \(keys.map { "'\($0.serviceName)'" }.joined(separator: ", "))")
            for key in keys { resolve(key, client: clientPointer) }
        case .deferred:
            scheduleResolveTimer()
        case .alreadyResolving, .notListed:
            break
        }
        return outcome
    }

    /// Copies a TXT string list into byte arrays, in wire order (Avahi keeps it reversed).
    private static func strings(_ list: UnsafeMutablePointer<AvahiStringList>?) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var node = list
        while let current = node {
            let size = avahi_string_list_get_size(current)
            if let text = avahi_string_list_get_text(current) {
                result.append(Array(UnsafeBufferPointer(start: text, count: size)))
            }
            node = avahi_string_list_get_next(current)
        }
        return result.reversed()
    }

    /// Logs and emits events; `source` names where a resolved record came from.
    private func deliver(_ events: [DiscoveryEvent], source: String? = nil) {
        for event in events {
            switch event {
            case .appeared(let peer):
                logger.info("peer appeared: '\(peer.serviceName)' \(peer.nodeID) at \(peer.address)")
            case .changed(let peer):
                logger.info("peer changed: '\(peer.serviceName)' \(peer.nodeID) at \(peer.address)")
            case .vanished(let peer):
                logger.info("peer vanished: '\(peer.serviceName)' \(peer.nodeID)")
            case .rejected(let name, let reason):
                logger.warning("rejected \(configuration.serviceType) record '\(name)': \(reason)", metadata: source.map { ["from": "\($0)"] })
            case .published, .daemonUnavailable:
                break
            }
            emit(event)
        }
    }
}

// MARK: - C callbacks: recover the session from userdata and forward.

private func session(_ userdata: UnsafeMutableRawPointer?) -> AvahiSession {
    Unmanaged<AvahiSession>.fromOpaque(userdata!).takeUnretainedValue()
}

private let clientCallback: AvahiClientCallback = { client, state, userdata in
    session(userdata).onClientState(client, state)
}

private let entryGroupCallback: AvahiEntryGroupCallback = { group, state, userdata in
    session(userdata).onEntryGroupState(group, state)
}

private let serviceBrowserCallback: AvahiServiceBrowserCallback = {
    _, interface, proto, event, name, type, domain, _, userdata in
    session(userdata).onBrowse(event, interface: interface, protocol: proto, name: name, type: type, domain: domain)
}

private let serviceResolverCallback: AvahiServiceResolverCallback = {
    _, interface, _, event, name, _, _, hostName, address, port, txt, _, userdata in
    session(userdata).onResolve(
        event, interface: interface, name: name, hostName: hostName, address: address, port: port, txt: txt)
}

private let reconnectCallback: AvahiTimeoutCallback = { _, userdata in
    session(userdata).onReconnectTimer()
}

private let resolveCallback: AvahiTimeoutCallback = { _, userdata in
    session(userdata).onResolveTimer()
}

private let reminderCallback: AvahiTimeoutCallback = { _, userdata in
    session(userdata).onReminderTimer()
}
