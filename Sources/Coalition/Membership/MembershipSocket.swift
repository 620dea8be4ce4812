import CLinuxSocket  // recvmmsg, sendmmsg, eventfd and thread names, which Glibc's module does not export
import Glibc
import MembershipCore
import SystemCalls

/// The membership UDP socket and the eventfd that wakes its thread, as plain file descriptors:
/// every unsafe pointer of the membership shell is in this file.
///
/// Why not a NIO channel: an idle member wakes about 20 times a second (its tick, its monitors'
/// heartbeats), and per wake NIO's channel pipeline, scheduled tasks and timerfd cost about twice
/// what the kernel's own work does (perf in the 20-host lab). Here a wake is one `poll`, one
/// `recvmmsg` and at most one `sendmmsg`.
///
/// Not thread-safe: owned by one ``MembershipLoop`` thread; only ``wake()`` may be called from
/// anywhere.
final class MembershipSocket: @unchecked Sendable {
    private let socket: Int32
    private let wakeDescriptor: Int32
    /// The bound address (the port chosen when 0 was asked).
    let localHost: String
    let localPort: UInt16

    /// The most datagrams one `recvmmsg` takes; a fuller queue is read on the next wake.
    static let batch = 8
    /// Send and receive buffer asked of the kernel, bytes: 1 MiB (it grants at most its
    /// `wmem_max`/`rmem_max`).
    static let socketBufferBytes: Int32 = 1 << 20
    /// Datagrams kept for the next wake when the send buffer is full; beyond this the oldest
    /// are dropped and counted. 4096: forty broadcasts to a full table of 100.
    static let maximumDeferred = 4096
    /// Longer datagrams are cut here and then dropped by the codec as truncated.
    static let datagramCapacity = 512

    private var receiveBuffer: [UInt8]
    private var receiveNames: [sockaddr_storage]
    /// IPv4 source addresses already turned into text (inet_ntop is a sprintf).
    private var sourceCache: [UInt64: PeerAddress] = [:]
    /// Destination addresses already parsed.
    private var destinationCache: [PeerAddress: sockaddr_storage] = [:]

    /// Binds `host:port` (an IPv4 or IPv6 literal) with SO_REUSEADDR, non-blocking.
    init(host: String, port: Int) throws(MembershipServiceError) {
        guard let port16 = UInt16(exactly: port) else {
            throw MembershipServiceError(reason: "cannot bind the membership socket to \(host):\(port): not a UDP port")
        }
        guard var address = Self.socketAddress(host: host, port: port16) else {
            throw MembershipServiceError(reason: "cannot bind the membership socket to \(host):\(port): not an IP address literal")
        }
        let family = Int32(address.ss_family)
        let fd = try Self.check("create the membership socket", host, port) {
            Glibc.socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        // Room for a burst (a declaration to every member, repeated, beside the heartbeats) in
        // both directions; the kernel caps it at net.core.{w,r}mem_max (208 KiB by default).
        var buffer = Self.socketBufferBytes
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
        let length = family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
        do {
            _ = try Self.check("bind the membership socket to", host, port) {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
                }
            }
        } catch {
            close(fd)
            throw error
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        let wake: Int32
        do {
            wake = try Self.check("create the membership thread's eventfd for", host, port) {
                eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
            }
        } catch {
            close(fd)
            throw error
        }
        socket = fd
        wakeDescriptor = wake
        localHost = Self.peerAddress(of: actual)?.host ?? host
        localPort = Self.peerAddress(of: actual)?.port ?? port16
        receiveBuffer = [UInt8](repeating: 0, count: Self.batch * Self.datagramCapacity)
        receiveNames = [sockaddr_storage](repeating: sockaddr_storage(), count: Self.batch)
    }

    deinit {
        close(socket)
        close(wakeDescriptor)
    }

    /// Makes a setup call through ``retryingOnInterrupt(_:_:)``, naming what failed, where, and why.
    private static func check(
        _ what: String, _ host: String, _ port: Int, _ call: () -> Int32
    ) throws(MembershipServiceError) -> Int32 {
        do {
            return try retryingOnInterrupt(what, call)
        } catch {
            throw MembershipServiceError(reason: "cannot \(what) \(host):\(port): \(error.reason)")
        }
    }

    /// Names the calling thread (as `top -H` and `perf` show it; at most 15 bytes).
    static func nameCurrentThread(_ name: String) {
        _ = CLinuxSocket_name_thread(name)
    }

    // MARK: Waiting

    /// What ended a ``wait(nanoseconds:)``.
    struct Readiness {
        var readable = false
        var woken = false
    }

    /// Sleeps until a datagram arrives, ``wake()`` is called, `nanoseconds` pass, or, while
    /// datagrams are deferred (``hasDeferred``), the send buffer has room again.
    func wait(nanoseconds: Int64) -> Readiness {
        var descriptors = [
            pollfd(fd: socket, events: Int16(POLLIN) | (hasDeferred ? Int16(POLLOUT) : 0), revents: 0),
            pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        // Whole milliseconds, rounded up: a tick is never early, at most a millisecond late.
        let milliseconds = Int32(clamping: (max(0, nanoseconds) + 999_999) / 1_000_000)
        let ready = poll(&descriptors, 2, milliseconds)
        guard ready > 0 else { return Readiness() }
        var readiness = Readiness()
        readiness.readable = descriptors[0].revents & Int16(POLLIN | POLLERR) != 0
        if descriptors[1].revents & Int16(POLLIN) != 0 {
            var value: UInt64 = 0
            _ = try? retryingOnInterrupt("read the eventfd") { read(wakeDescriptor, &value, MemoryLayout<UInt64>.size) }
            readiness.woken = true
        }
        return readiness
    }

    /// Wakes the thread sleeping in ``wait(nanoseconds:)``; callable from any thread.
    func wake() {
        var one: UInt64 = 1
        _ = try? retryingOnInterrupt("write the eventfd") { write(wakeDescriptor, &one, MemoryLayout<UInt64>.size) }
    }

    // MARK: Receiving

    /// Reads up to ``batch`` waiting datagrams with one `recvmmsg` and hands each to `body`
    /// with its source address; returns how many were read (0 when none was waiting). A
    /// datagram is a slice of the receive buffer, shared, not copied: `body` should not keep it,
    /// or the next receive copies the whole buffer.
    @discardableResult
    func receive(_ body: (ArraySlice<UInt8>, PeerAddress?) -> Void) -> Int {
        let batch = Self.batch
        let capacity = Self.datagramCapacity
        var lengths = [Int](repeating: 0, count: batch)
        let count: Int32 = receiveBuffer.withUnsafeMutableBytes { bytes in
            receiveNames.withUnsafeMutableBufferPointer { names in
                var vectors = (0..<batch).map { iovec(iov_base: bytes.baseAddress! + $0 * capacity, iov_len: capacity) }
                return vectors.withUnsafeMutableBufferPointer { vectors in
                    var headers = (0..<batch).map { index in
                        CLinuxSocket_mmsghdr(
                            msg_hdr: msghdr(
                                msg_name: UnsafeMutableRawPointer(names.baseAddress! + index),
                                msg_namelen: socklen_t(MemoryLayout<sockaddr_storage>.size),
                                msg_iov: vectors.baseAddress! + index, msg_iovlen: 1,
                                msg_control: nil, msg_controllen: 0, msg_flags: 0),
                            msg_len: 0)
                    }
                    let received = CLinuxSocket_recvmmsg(socket, &headers, UInt32(batch), Int32(MSG_DONTWAIT))
                    if received > 0 {
                        for index in 0..<Int(received) { lengths[index] = Int(headers[index].msg_len) }
                    }
                    return received
                }
            }
        }
        guard count > 0 else { return 0 }
        for index in 0..<Int(count) {
            let source = source(receiveNames[index])
            body(receiveBuffer[(index * capacity)..<(index * capacity + min(lengths[index], capacity))], source)
        }
        return Int(count)
    }

    private func source(_ name: sockaddr_storage) -> PeerAddress? {
        guard Int32(name.ss_family) == AF_INET else { return Self.peerAddress(of: name) }
        var copy = name
        let key = withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt64($0.pointee.sin_addr.s_addr) << 16 | UInt64($0.pointee.sin_port)
            }
        }
        if let known = sourceCache[key] { return known }
        guard let address = Self.peerAddress(of: name) else { return nil }
        if sourceCache.count > 4096 { sourceCache.removeAll() }
        sourceCache[key] = address
        return address
    }

    // MARK: Sending

    /// Datagrams waiting for ``flush()``: their bytes back to back, each with its length and destination.
    private var outBytes: [UInt8] = []
    private var outLengths: [Int] = []
    private var outNames: [sockaddr_storage] = []

    /// Queues a copy of `datagram`; false when `address` is not an IP literal of our family.
    func enqueue(_ datagram: some Collection<UInt8>, to address: PeerAddress) -> Bool {
        guard let name = destination(address) else { return false }
        // One copy of contiguous bytes (a ByteBuffer's view is), element by element otherwise.
        if datagram.withContiguousStorageIfAvailable({ outBytes.append(contentsOf: $0) }) == nil {
            outBytes.append(contentsOf: datagram)
        }
        outLengths.append(datagram.count)
        outNames.append(name)
        return true
    }

    /// Whether datagrams wait for room in the send buffer (``flush()`` stopped at a full one).
    var hasDeferred: Bool { !outLengths.isEmpty }

    /// Sends every queued datagram with as few `sendmmsg` calls as possible. A datagram the
    /// kernel refuses (EPERM from a firewall DROP, no route) is skipped and counted in
    /// `refused`. When the send buffer is full (EAGAIN: a burst to a hundred members on a busy
    /// machine, whose softirqs have not yet delivered what was sent), the rest stays queued for
    /// the next wake rather than being dropped one by one, which would lose the same tail of
    /// every broadcast; past ``maximumDeferred`` the oldest are dropped, counted in `dropped`.
    func flush() -> (refused: Int, dropped: Int) {
        let count = outLengths.count
        guard count > 0 else { return (0, 0) }
        var refused = 0
        var next = 0
        outBytes.withUnsafeMutableBytes { bytes in
            outNames.withUnsafeMutableBufferPointer { names in
                var offset = 0
                var vectors = outLengths.map { length in
                    defer { offset += length }
                    return iovec(iov_base: bytes.baseAddress! + offset, iov_len: length)
                }
                vectors.withUnsafeMutableBufferPointer { vectors in
                    var headers = (0..<count).map { index in
                        CLinuxSocket_mmsghdr(
                            msg_hdr: msghdr(
                                msg_name: UnsafeMutableRawPointer(names.baseAddress! + index),
                                msg_namelen: socklen_t(
                                    Int32(names[index].ss_family) == AF_INET6
                                        ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size),
                                msg_iov: vectors.baseAddress! + index, msg_iovlen: 1,
                                msg_control: nil, msg_controllen: 0, msg_flags: 0),
                            msg_len: 0)
                    }
                    headers.withUnsafeMutableBufferPointer { headers in
                        while next < count {
                            do {
                                let sent = try retryingOnInterrupt("sendmmsg") {
                                    CLinuxSocket_sendmmsg(socket, headers.baseAddress! + next, UInt32(count - next), 0)
                                }
                                next += max(1, Int(sent))
                            } catch let error as SystemCallError where error.code == .wouldBlock {
                                return  // the buffer is full: the rest waits for the next wake
                            } catch {
                                refused += 1  // this one failed: skip it
                                next += 1
                            }
                        }
                    }
                }
            }
        }
        let sentBytes = outLengths.prefix(next).reduce(0, +)
        outBytes.removeFirst(sentBytes)
        outLengths.removeFirst(next)
        outNames.removeFirst(next)
        let dropped = max(0, outLengths.count - Self.maximumDeferred)
        if dropped > 0 {
            outBytes.removeFirst(outLengths.prefix(dropped).reduce(0, +))
            outLengths.removeFirst(dropped)
            outNames.removeFirst(dropped)
        }
        return (refused, dropped)
    }

    private func destination(_ address: PeerAddress) -> sockaddr_storage? {
        if let known = destinationCache[address] { return known }
        guard let name = Self.socketAddress(host: address.host, port: address.port) else { return nil }
        if destinationCache.count > 4096 { destinationCache.removeAll() }
        destinationCache[address] = name
        return name
    }

    // MARK: Addresses

    /// An IPv4 or IPv6 literal and a port as a socket address; nil for anything else.
    static func socketAddress(host: String, port: UInt16) -> sockaddr_storage? {
        var storage = sockaddr_storage()
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee = v4 }
            }
            return storage
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee = v6 }
            }
            return storage
        }
        return nil
    }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A socket address as text and port; nil for a family other than IPv4 and IPv6.
    static func peerAddress(of name: sockaddr_storage) -> PeerAddress? {
        var copy = name
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(name.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer -> PeerAddress? in
                    var address = pointer.pointee.sin_addr
                    guard inet_ntop(AF_INET, &address, &text, socklen_t(text.count)) != nil else { return nil }
                    return PeerAddress(host: Self.string(text), port: UInt16(bigEndian: pointer.pointee.sin_port))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer -> PeerAddress? in
                    var address = pointer.pointee.sin6_addr
                    guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return nil }
                    return PeerAddress(host: Self.string(text), port: UInt16(bigEndian: pointer.pointee.sin6_port))
                }
            }
        default:
            return nil
        }
    }
}
