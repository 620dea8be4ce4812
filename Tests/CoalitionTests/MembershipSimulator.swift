import Coalition
import MembershipCore
import NIOCore
import QoSModel
import TestSupport

/// Many membership instances over a simulated network, driven by a virtual clock: seeded loss,
/// delays, link cuts, partitions, crashes, starved processes. Nothing sleeps; nothing is mocked
/// but the wire (messages go through the real codec when `encodes` is set).
struct MembershipSimulator {
    struct Observation: Sendable {
        var observer: Int
        var event: MembershipEvent
    }

    private enum Action {
        case tick(node: Int)
        /// A tick due at `scheduled` that runs late because its process was paused (a burst).
        case lateTick(node: Int, scheduled: MembershipInstant)
        case deliver(MembershipMessage, from: Int, to: Int)
        /// Raw bytes from an address outside the coalition, read through the real codec.
        case datagram([UInt8], from: PeerAddress, to: Int)
    }

    private struct Scheduled: Comparable {
        var time: MembershipInstant
        var order: UInt64
        var action: Action
        static func < (a: Self, b: Self) -> Bool { (a.time, a.order) < (b.time, b.order) }
        static func == (a: Self, b: Self) -> Bool { (a.time, a.order) == (b.time, b.order) }
    }

    let seed: UInt64
    let configuration: MembershipConfiguration
    private(set) var nodes: [MembershipInstance]
    private(set) var now = MembershipInstant.zero
    private(set) var observations: [Observation] = []
    private(set) var datagrams = 0
    /// Datagrams sent, by message kind (`MembershipMessage.Body.name`).
    private(set) var datagramsByKind: [String: Int] = [:]
    /// Per node: frames dropped by the codec or refused by admission, by reason.
    private(set) var drops: [Int: WireDropCounts] = [:]
    /// Datagrams nodes sent to addresses outside the coalition (answers to strangers).
    private(set) var sentToStrangers = 0
    private var decoders: [MembershipDatagramDecoder]
    private var random: SeededGenerator
    private var queue = Heap<Scheduled>()
    private var order: UInt64 = 0

    /// Probability that any one datagram is lost.
    var loss = 0.0
    /// One-way delay, uniformly drawn, in microseconds.
    var delayMicroseconds: ClosedRange<Int64> = 100...1_000
    /// Nodes whose process is gone (crash, kill -9): they neither send nor receive.
    private(set) var crashed: Set<Int> = []
    /// Nodes whose link is cut: they run, but nothing reaches them or leaves them.
    var cut: Set<Int> = []
    /// When set, datagrams between nodes of different groups are lost.
    var partition: [Int: Int]? = nil
    /// Starved nodes: each of their ticks (and the messages waiting for it) comes this much late.
    var starvation: [Int: ClosedRange<Int64>] = [:]  // milliseconds
    /// A machine-wide CPU burst, as on a lab machine running 100 boards' daemons on 2 cores:
    /// at every tick, every node's process waits a random number of milliseconds in this range
    /// for a CPU before it runs; datagrams that arrive meanwhile wait in its socket and are read
    /// before the tick, as the membership thread does. Ticks stay on their schedule (the next
    /// boundary at least a quarter interval away), so a paused tick is a late one.
    var burst: ClosedRange<Int64>? = nil  // milliseconds
    /// Until when each paused node's process waits for a CPU.
    private var pausedUntil: [Int: MembershipInstant] = [:]

    init(nodes count: Int, seed: UInt64, configuration: MembershipConfiguration = .lan) {
        self.seed = seed
        self.configuration = configuration
        self.random = SeededGenerator(seed: seed)
        decoders = Array(repeating: MembershipDatagramDecoder(authenticator: nil), count: count)
        nodes = (0..<count).map { index in
            MembershipInstance(member: Self.id(index), incarnation: 1, configuration: configuration)
        }
        // Everybody discovers everybody (as Discovery would), then ticks at a random phase.
        for index in 0..<count {
            for other in 0..<count where other != index {
                _ = nodes[index].onPeerDiscovered(Self.id(other), address: Self.address(other), incarnation: 1, now: now)
            }
            let phase = Int64.random(in: 0..<configuration.heartbeatInterval.nanoseconds, using: &random)
            schedule(.tick(node: index), at: MembershipInstant(nanoseconds: phase))
        }
    }

    static func id(_ index: Int) -> MemberID { MemberID.named("n\(index)") }
    /// Every simulated node shares one host; its port is its index.
    static let host = "10.0.0.1"
    static func address(_ index: Int) -> PeerAddress { PeerAddress(host: host, port: UInt16(index)) }
    static func index(of id: MemberID) -> Int { Int(id.testName.dropFirst())! }

    /// Runs the simulation until `end`.
    mutating func run(until end: MembershipInstant) {
        while let next = queue.peek(), next.time <= end {
            _ = queue.pop()
            now = next.time
            switch next.action {
            case .tick(let node):
                guard !crashed.contains(node) else { continue }
                if let burst, case let pause = Int64.random(in: burst, using: &random), pause > 0 {
                    let resumes = now + .milliseconds(pause)
                    pausedUntil[node] = resumes
                    // After what arrived meanwhile (scheduled at `resumes` from now on).
                    schedule(.lateTick(node: node, scheduled: now), at: resumes + .nanoseconds(1))
                    continue
                }
                var directives = nodes[node].onTick(now: now, using: &random)
                let extra = starvation[node].map { Int64.random(in: $0, using: &random) } ?? 0
                let due = now + configuration.heartbeatInterval + .milliseconds(extra)
                schedule(.tick(node: node), at: due)
                perform(&directives, at: node)
            case .lateTick(let node, let scheduled):
                guard !crashed.contains(node) else { continue }
                var directives = nodes[node].onTick(now: now, using: &random)
                var due = scheduled + configuration.heartbeatInterval
                while due - now < configuration.heartbeatInterval / 4 { due = due + configuration.heartbeatInterval }
                schedule(.tick(node: node), at: due)
                perform(&directives, at: node)
            case .deliver(let message, let from, let to):
                guard !crashed.contains(to) else { continue }
                if let resumes = pausedUntil[to], resumes > now {
                    schedule(next.action, at: resumes)
                    continue
                }
                var directives = nodes[to].onMessage(message, from: Self.address(from), now: now)
                perform(&directives, at: to)
            case .datagram(let bytes, let source, let to):
                guard !crashed.contains(to) else { continue }
                if let resumes = pausedUntil[to], resumes > now {
                    schedule(next.action, at: resumes)
                    continue
                }
                switch decoders[to].decode(ByteBuffer(bytes: bytes), nowMilliseconds: 0) {
                case .success(let message):
                    var directives = nodes[to].onMessage(message, from: source, now: now)
                    perform(&directives, at: to)
                case .failure(let reason):
                    drops[to, default: WireDropCounts()].record(reason)
                }
            }
        }
        now = end
    }

    mutating func run(for duration: Duration) { run(until: now + duration) }

    mutating func crash(_ node: Int) { crashed.insert(node) }

    /// Restarts a crashed node as a new process: a new, higher incarnation, an empty view
    /// refilled by Discovery.
    mutating func restart(_ node: Int, incarnation: UInt64) {
        crashed.remove(node)
        nodes[node] = MembershipInstance(member: Self.id(node), incarnation: incarnation, configuration: configuration)
        for other in nodes.indices where other != node {
            _ = nodes[node].onPeerDiscovered(Self.id(other), address: Self.address(other), incarnation: 1, now: now)
        }
        schedule(.tick(node: node), at: now + configuration.heartbeatInterval)
    }

    /// Delivers `message` to `node` as if it came from `from` (a forged or stale declaration).
    mutating func inject(_ message: MembershipMessage, from: Int, to node: Int) {
        schedule(.deliver(message, from: from, to: node), at: now)
    }

    /// Delivers raw bytes to `node` now, as a datagram from `source` (a stranger's or a forger's).
    mutating func injectDatagram(_ bytes: [UInt8], from source: PeerAddress, to node: Int) {
        schedule(.datagram(bytes, from: source, to: node), at: now)
    }

    /// The state of `subject` in `observer`'s view.
    func state(of subject: Int, seenBy observer: Int) -> MemberState? {
        nodes[observer].state(of: Self.id(subject))
    }

    /// Live (not crashed) nodes other than `excluded`.
    func liveNodes(excluding excluded: Set<Int> = []) -> [Int] {
        nodes.indices.filter { !crashed.contains($0) && !excluded.contains($0) }
    }

    /// The first event of `kind` about `subject` seen by `observer` at or after `since`.
    func firstEvent(_ kind: MembershipEvent.Kind, about subject: Int, seenBy observer: Int, since: MembershipInstant) -> MembershipEvent? {
        let id = Self.id(subject)
        return observations.first {
            $0.observer == observer && $0.event.member == id && $0.event.kind == kind && $0.event.at >= since
        }?.event
    }

    func events(_ kind: MembershipEvent.Kind, since: MembershipInstant = .zero) -> [Observation] {
        observations.filter { $0.event.kind == kind && $0.event.at >= since }
    }

    private mutating func perform(_ directives: inout [MembershipDirective], at node: Int) {
        for directive in directives {
            switch directive {
            case .event(let event):
                observations.append(Observation(observer: node, event: event))
            case .refuse(let refusal, _):
                drops[node, default: WireDropCounts()].record(WireDropReason(refusal))
            case .send(let message, let address):
                datagrams += 1
                datagramsByKind[message.body.name, default: 0] += 1
                guard address.host == Self.host, Int(address.port) < nodes.count else {
                    sentToStrangers += 1
                    continue
                }
                let target = Int(address.port)
                if cut.contains(node) || cut.contains(target) { continue }
                if let partition, partition[node] != partition[target] { continue }
                if loss > 0, Double.random(in: 0..<1, using: &random) < loss { continue }
                var arrival = now + .microseconds(Int64.random(in: delayMicroseconds, using: &random))
                if let lag = starvation[target] {
                    arrival = arrival + .milliseconds(Int64.random(in: 0...lag.upperBound, using: &random))
                }
                schedule(.deliver(message, from: node, to: target), at: arrival)
            }
        }
    }

    private mutating func schedule(_ action: Action, at time: MembershipInstant) {
        order += 1
        queue.push(Scheduled(time: time, order: order, action: action))
    }
}

/// A binary min-heap.
struct Heap<Element: Comparable> {
    private var items: [Element] = []

    func peek() -> Element? { items.first }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
