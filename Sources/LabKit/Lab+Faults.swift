import Foundation

/// The faults a lab injects: link failures, crashes, hangs, loss, CPU quotas, Avahi outages.
extension Lab {
    /// A link failure no peer is told about: the host's bridge port goes down. With
    /// `keepCarrier`, the port stops forwarding instead and the host's own veth stays up.
    public func cut(host index: Int, keepCarrier: Bool = false) throws {
        try driver.check(["cut", String(index)] + (keepCarrier ? ["--keep-carrier"] : []))
    }

    /// Undoes `cut`.
    public func heal(host index: Int) throws { try driver.check(["heal", String(index)]) }

    /// SIGKILL to the processes started on a host (all of them, or the given pids): a crash.
    public func kill(host index: Int, pids: [pid_t] = []) throws {
        try driver.check(["kill", String(index)] + pids.map(String.init))
    }

    /// SIGSTOP to the processes started on a host: a hung board.
    public func pause(host index: Int, pids: [pid_t] = []) throws {
        try driver.check(["pause", String(index)] + pids.map(String.init))
    }

    /// SIGCONT to the processes started on a host.
    public func resume(host index: Int, pids: [pid_t] = []) throws {
        try driver.check(["resume", String(index)] + pids.map(String.init))
    }

    /// SIGHUP to the processes started on a host (all of them, or the given pids): a node
    /// re-reads its `--key-file`.
    public func hup(host index: Int, pids: [pid_t] = []) throws {
        try driver.check(["hup", String(index)] + pids.map(String.init))
    }

    /// Drops `percent` % of a host's packets each way, at random; 0 removes the loss.
    public func loss(host index: Int, percent: Double) throws {
        try driver.check(["loss", String(index), String(percent)])
    }

    /// Limits the processes started on a host to `fraction` of one CPU (0.25, 1.5); nil lifts it.
    public func cpu(host index: Int, fraction: Double?) throws {
        try driver.check(["cpu", String(index), fraction.map { String($0) } ?? "max"])
    }

    /// Stops a host's avahi-daemon by its recorded pid: SIGTERM (it sends goodbyes), or with
    /// `crash` SIGKILL, so its records stay in the other hosts' caches (a board losing power).
    public func avahiStop(host index: Int, crash: Bool = false) throws {
        try driver.check(["avahi-stop", String(index)] + (crash ? ["--crash"] : []))
    }

    /// Starts a host's avahi-daemon again and waits until it runs.
    public func avahiStart(host index: Int) throws { try driver.check(["avahi-start", String(index)]) }

    /// True if host `to` answers a TCP probe from host `from` within `seconds`.
    public func reachable(from: Int, to: Int, within seconds: Int = 1) throws -> Bool {
        try driver.invoke(["reach", String(from), String(to), String(seconds)]).succeeded
    }
}
