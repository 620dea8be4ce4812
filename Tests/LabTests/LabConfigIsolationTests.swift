import ChildProcess
import Foundation
import LabKit
import Testing

/// Lab nodes never read the machine's installed /etc/coalition/node.toml: `lab run` and
/// `lab spawn` give every `node join` --no-config, unless it names a configuration itself.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct LabConfigIsolationTests {
    @Test func aNodeJoinInALabHostGetsNoConfig_andOtherCommandsAreLeftAlone() throws {
        let lab = try Lab.up(hosts: 1, name: "noconfig")
        defer { lab.down() }
        // A stand-in named `node` that prints the arguments it was given.
        let bin = "\(lab.directory)-bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: bin) }
        let standIn = "\(bin)/node"
        try "#!/bin/sh\necho \"$@\"\n".write(toFile: standIn, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: standIn)

        #expect(try lab.run(host: 1, [standIn, "join", "--name", "board-1"]).stdout == "join --no-config --name board-1\n")
        #expect(try lab.run(host: 1, timeout: 5, [standIn, "join", "--insecure"]).stdout == "join --no-config --insecure\n")
        #expect(try lab.run(host: 1, [standIn, "join", "--config", "/tmp/n.toml"]).stdout == "join --config /tmp/n.toml\n")
        #expect(try lab.run(host: 1, [standIn, "join", "--no-config"]).stdout == "join --no-config\n")
        #expect(try lab.run(host: 1, [standIn, "status", "--json"]).stdout == "status --json\n")

        // The real node, as every lab test starts it: no configuration file read.
        let printed = try lab.run(host: 1, timeout: 10, [Lab.nodeBinary, "join", "--insecure", "--print-config"])
        #expect(printed.succeeded, "\(printed)")
        #expect(printed.stdout.contains("# configuration file: none\n"), "\(printed)")
        #expect(printed.stdout.contains("insecure = true"), "\(printed)")
    }
}
