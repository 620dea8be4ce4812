import Foundation

extension CPUSplit {
    /// The split as the benchmark prints it: one line per part, CPU s per media s and x
    /// `reference` (ffmpeg's CPU s per media s), then the goal figure and everything.
    /// `decodeReported` is the decode CPU the members' answers reported (report.json), printed
    /// beside the workers' own.
    func lines(reference: Double, decodeReported: Double) -> [String] {
        func figure(_ cpu: Double) -> String {
            String(format: "%.4f (%.3fx)", perMediaSecond(cpu), reference > 0 ? perMediaSecond(cpu) / reference : 0)
        }
        func row(_ label: String, _ cpu: Double, _ note: String = "") -> String {
            "    " + label.padding(toLength: 58, withPad: " ", startingAt: 0) + figure(cpu) + (note.isEmpty ? "" : "; " + note)
        }
        let avahiHosts = stream.values.filter { $0.avahi != nil }.count
        let dbusHosts = stream.values.filter { $0.dbus != nil }.count
        var lines = [
            String(format: "  CPU split over the stream's window, %.1f s from the request to its exit, against an idle baseline of %.1f s", streamSeconds, baselineSeconds)
                + String(format: " taken before it (same fleet, same status polls; its rates x %.1f s); CPU s per media s (x ffmpeg):", streamSeconds),
            row("decode workers (the members' daemons' children)", decode, String(format: "their answers reported %.4f", perMediaSecond(decodeReported))),
            row("demux worker (the requester's daemon's child)", demux),
            row("transport: the daemons above their idle rate", transport),
            row("the requester's `node request` (writes the output)", requester, "sampled every 0.5 s, its last half second in the rest"),
            row("the daemons at their idle rate (membership, no stream)", daemonsIdle),
            row("avahi-daemon, \(avahiHosts) hosts (outside the cgroups)", avahi, String(format: "at its idle rate %.4f", perMediaSecond(avahiIdle))),
            row("dbus-daemon, \(dbusHosts) hosts (outside the cgroups)", dbus, String(format: "at its idle rate %.4f", perMediaSecond(dbusIdle))),
        ]
        if otherChildren != 0 { lines.append(row("the daemons' other children", otherChildren)) }
        let perHost = stream.keys.sorted().map { String(format: "h%d %.4f", $0, perMediaSecond(stream[$0]!.rest)) }.joined(separator: ", ")
        lines.append(row("the rest of the hosts' cgroups", rest, String(format: "at its idle rate %.4f; per host %@", perMediaSecond(restIdle), perHost)))
        let gone = stream.values.flatMap { $0.daemonLifetimes.map { name, seconds in String(format: "%@ gone %.1f s in", name, seconds) } }
        if !gone.isEmpty {
            lines.append("    (a daemon gone before the end counts to the last look at it, its idle rate until then: " + gone.sorted().joined(separator: ", ") + ")")
        }
        let halves = baselineWindows.map { String(format: "%.1f s: the daemons %.4f, avahi-daemon %.5f, the cgroups %.4f", $0.seconds, $0.daemonCores, $0.avahiCores, $0.cgroupCores) }
        lines.append("    idle baseline, cores in each part of it (a drift between them is the fleet still settling): " + halves.joined(separator: "; "))
        let goalRatio = reference > 0 ? perMediaSecond(goal) / reference : 0
        lines.append(String(format: "  goal figure, decode + demux + transport + the requester's CLI: %.4f CPU s per media s, %.3fx ffmpeg (goal <= 1.10x: %@)",
                            perMediaSecond(goal), goalRatio, goalRatio <= 1.10 ? "met" : "not met"))
        lines.append(String(format: "  everything in the stream's window, the hosts' cgroups + avahi + dbus: %.4f CPU s per media s (%.3fx ffmpeg), the parts above added up",
                            perMediaSecond(everything), reference > 0 ? perMediaSecond(everything) / reference : 0))
        return lines
    }
}
