import Foundation
import Testing

/// The lab itself: what every other lab test relies on.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct LabSmokeTests {
    @Test func aServicePublishedOnHostOneIsBrowsedOnHostThreeWithHostOnesAddress() throws {
        let lab = try Lab.up(hosts: 3, name: "smoke")
        defer { lab.down() }
        let log = "\(lab.directory)-publish.log"
        defer { try? FileManager.default.removeItem(atPath: log) }

        try lab.spawn(host: 1, logFile: log, "avahi-publish", "-s", "smoke", "_coalition._udp", "7946", "txtvers=1")

        var lastBrowse = CommandOutput(status: -1, stdout: "", stderr: "")
        let seen = try Lab.poll(within: 5) {
            lastBrowse = try lab.run(host: 3, timeout: 4, "avahi-browse", "-rpt", "_coalition._udp")
            return lastBrowse.stdout.split(separator: "\n").contains { $0.hasPrefix("=") && $0.contains(";smoke;") }
        }
        #expect(seen, "host 3 did not resolve host 1's service within 5 s; last browse: \(lastBrowse)")
        let resolved = lastBrowse.stdout.split(separator: "\n").first { $0.hasPrefix("=") && $0.contains(";smoke;") }
        let fields = resolved.map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) } ?? []
        // =;interface;protocol;name;type;domain;host name;address;port;txt
        #expect(fields.count >= 10)
        if fields.count >= 10 {
            #expect(fields[1] == lab.host(3).interface)
            #expect(fields[7] == lab.address(host: 1))
            #expect(fields[8] == "7946")
            #expect(fields[9] == "\"txtvers=1\"")
        }
    }

    @Test func aCutHostIsUnreachableUntilItsLinkHeals() throws {
        let lab = try Lab.up(hosts: 3, name: "smoke")
        defer { lab.down() }

        #expect(try lab.reachable(from: 2, to: 1), "\(lab.status())")
        try lab.cut(host: 1)
        #expect(try !lab.reachable(from: 2, to: 1), "\(lab.status())")
        #expect(try lab.reachable(from: 2, to: 3), "a cut of host 1 must not disturb the others")
        try lab.heal(host: 1)
        #expect(try Lab.poll(within: 2) { try lab.reachable(from: 2, to: 1) }, "\(lab.status())")
    }

    @Test func hostsHaveNoRouteOutOfTheLab() throws {
        let lab = try Lab.up(hosts: 2, name: "smoke")
        defer { lab.down() }

        for index in 1...2 {
            let routes = try lab.run(host: index, "ip", "-4", "route", "show")
            #expect(routes.succeeded, "\(routes)")
            let lines = routes.stdout.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(lab.host(index).interface), "routes: \(routes.stdout)")
            #expect(!routes.stdout.contains("default"))
            let links = try lab.run(host: index, "ip", "-o", "link", "show")
            #expect(!links.stdout.contains("eth0"), "host \(index) must not see the machine's eth0: \(links.stdout)")
        }
    }
}
