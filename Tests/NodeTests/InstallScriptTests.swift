import ChildProcess
import Foundation
import Testing

/// `scripts/install` into a staging root (`--destdir`) with the `node` this build made
/// (`--binary`, so nothing is compiled and the real system is never touched): the files and
/// their modes, the unit checked by `systemd-analyze verify`, upgrades that keep the config and
/// the key, uninstall and purge, and the architecture check.
@Suite(.serialized) struct InstallScriptTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let script = packageRoot.appendingPathComponent("scripts/install").path

    /// The `node` built beside this test bundle (or in .build/debug).
    static let nodeBinary: String = {
        let beside = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("node").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/node").path
    }()

    /// A fresh staging root, removed by the caller.
    func stagingRoot() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("coalition-install-\(UUID().uuidString)").path
    }

    func install(_ arguments: [String], machine: String = "aarch64", userland: String = "arm64") throws -> CommandOutput {
        var environment = ProcessInfo.processInfo.environment
        environment["COALITION_INSTALL_MACHINE"] = machine
        environment["COALITION_INSTALL_USERLAND"] = userland
        return try ChildProcess.run(Self.script, arguments, environment: environment)
    }

    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    /// `systemd-analyze verify` on the staged unit, checked against this machine's own units
    /// and tools (`--root` would need a whole system in the staging root): a copy whose
    /// ExecStart names the staged binary, everything else as installed.
    func verify(stagedUnit unit: String, root: String, analyze: String) throws -> CommandOutput {
        let directory = root + "/verify"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let copy = directory + "/coalition.service"
        try contents(unit).replacingOccurrences(of: "ExecStart=/usr/local/bin/node ", with: "ExecStart=\(root)/usr/local/bin/node ")
            .write(toFile: copy, atomically: true, encoding: .utf8)
        return try ChildProcess.run(analyze, ["verify", copy])
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func contents(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func installsTheBinaryTheUnitTheConfigTheStateAndAKey_withTheirModes() throws {
        let root = stagingRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let output = try install(["--destdir", root, "--binary", Self.nodeBinary])
        try #require(output.succeeded, "\(output)")

        #expect(try mode(root + "/usr/local/bin/node") == 0o755)
        #expect(try mode(root + "/etc/systemd/system/coalition.service") == 0o644)
        #expect(try contents(root + "/etc/systemd/system/coalition.service")
            == contents(Self.packageRoot.appendingPathComponent("dist/coalition.service").path))
        #expect(try mode(root + "/etc/coalition/node.toml") == 0o644)
        #expect(try contents(root + "/etc/coalition/node.toml") == contents(Self.packageRoot.appendingPathComponent("dist/node.toml").path))
        #expect(try mode(root + "/var/lib/coalition") == 0o700)
        #expect(try mode(root + "/etc/coalition/key") == 0o600)
        let key = try contents(root + "/etc/coalition/key").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Data(base64Encoded: key)?.count == 32, "\(key)")
        #expect(output.stdout.contains("made a new coalition key"), "\(output)")
        #expect(output.stdout.contains("not started") || output.stdout.contains("installed"), "\(output)")
    }

    @Test func theInstalledNodeReadsTheInstalledConfig() throws {
        let root = stagingRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try #require(try install(["--destdir", root, "--binary", Self.nodeBinary]).succeeded)
        let config = root + "/etc/coalition/node.toml"
        let printed = try ChildProcess.run(root + "/usr/local/bin/node", ["join", "--config", config, "--print-config"])
        try #require(printed.succeeded, "\(printed)")
        let lines = printed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("key-file = \"/etc/coalition/key\"") && $0.contains("# \(config):") }, "\(printed)")
        #expect(lines.contains { $0.hasPrefix("profiles-dir = \"/var/lib/coalition/profiles\"") }, "\(printed)")
        #expect(lines.contains { $0.hasPrefix("heartbeat-port = 7946") && $0.hasSuffix("# default") }, "\(printed)")
    }

    @Test func theUnitPassesSystemdAnalyzeVerify_andStopsGracefully() throws {
        guard let analyze = Executables.find("systemd-analyze") else {
            Issue.record("systemd-analyze not found: run scripts/install-deps (systemd)")
            return
        }
        let root = stagingRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try #require(try install(["--destdir", root, "--binary", Self.nodeBinary]).succeeded)
        let unit = root + "/etc/systemd/system/coalition.service"
        let verified = try verify(stagedUnit: unit, root: root, analyze: analyze)
        #expect(verified.succeeded, "\(verified)")
        #expect(verified.combined.isEmpty, "systemd-analyze verify warned: \(verified)")

        let directives = Set(try contents(unit).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") })
        for directive in [
            "ExecStart=/usr/local/bin/node join --config /etc/coalition/node.toml", "Restart=on-failure", "KillMode=mixed",
            "KillSignal=SIGTERM", "TimeoutStopSec=20s", "Delegate=yes", "NoNewPrivileges=yes", "ProtectHome=read-only",
            "ProtectSystem=strict", "PrivateTmp=yes", "StateDirectory=coalition", "RuntimeDirectory=coalition",
        ] {
            #expect(directives.contains(directive), "the unit lacks \(directive)")
        }
    }

    @Test func aBrokenUnitFailsTheVerify_soTheCheckAboveMeansSomething() throws {
        guard let analyze = Executables.find("systemd-analyze") else {
            Issue.record("systemd-analyze not found: run scripts/install-deps (systemd)")
            return
        }
        let root = stagingRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try #require(try install(["--destdir", root, "--binary", Self.nodeBinary]).succeeded)
        let unit = root + "/etc/systemd/system/coalition.service"
        try contents(unit).replacingOccurrences(of: "KillMode=mixed", with: "KillMode=gently").write(toFile: unit, atomically: true, encoding: .utf8)
        let verified = try verify(stagedUnit: unit, root: root, analyze: analyze)
        #expect(verified.combined.contains("Failed to parse kill mode"), "\(verified)")
    }

    @Test func reinstallingKeepsTheConfigAndTheKey() throws {
        let root = stagingRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try #require(try install(["--destdir", root, "--binary", Self.nodeBinary]).succeeded)
        let config = root + "/etc/coalition/node.toml", keyFile = root + "/etc/coalition/key"
        try "name = \"kitchen\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let key = try contents(keyFile)
        let again = try install(["--destdir", root, "--binary", Self.nodeBinary])
        try #require(again.succeeded, "\(again)")
        #expect(try contents(config) == "name = \"kitchen\"\n")
        #expect(try contents(keyFile) == key)
        #expect(again.stdout.contains("kept \(config)") && again.stdout.contains("kept the coalition key"), "\(again)")
    }

    @Test func uninstallKeepsConfigKeyAndState_purgeRemovesThem() throws {
        let root = stagingRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try #require(try install(["--destdir", root, "--binary", Self.nodeBinary]).succeeded)
        let removed = try install(["--destdir", root, "--uninstall"])
        try #require(removed.succeeded, "\(removed)")
        #expect(!exists(root + "/usr/local/bin/node") && !exists(root + "/etc/systemd/system/coalition.service"))
        #expect(exists(root + "/etc/coalition/node.toml") && exists(root + "/etc/coalition/key") && exists(root + "/var/lib/coalition"))

        let purged = try install(["--destdir", root, "--purge"])
        try #require(purged.succeeded, "\(purged)")
        #expect(!exists(root + "/etc/coalition") && !exists(root + "/var/lib/coalition"))
    }

    /// The machines Swift 6 has no toolchain for are refused with the reason, before anything is
    /// installed; 64-bit x86 and ARM are accepted.
    @Test(arguments: [
        ("armv6l", "armhf", "the original Raspberry Pi Zero W"),
        ("armv7l", "armhf", "install the 64-bit Raspberry Pi OS"),
        ("aarch64", "armhf", "32-bit userland (armhf) on a 64-bit kernel"),
        ("riscv64", "riscv64", "unsupported architecture riscv64"),
    ])
    func anArchitectureWithoutASwift6Toolchain_isRefusedWithTheReason(machine: String, userland: String, reason: String) throws {
        let root = stagingRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let refused = try install(["--destdir", root, "--binary", Self.nodeBinary], machine: machine, userland: userland)
        #expect(!refused.succeeded)
        #expect(refused.stderr.contains(reason), "\(refused)")
        #expect(refused.stderr.contains("Pi 3, 4, 5 or Zero 2 W") || refused.stderr.contains("64-bit Raspberry Pi OS"), "\(refused)")
        #expect(!exists(root + "/usr/local/bin/node"))
    }

    @Test(arguments: [("x86_64", "amd64"), ("aarch64", "arm64")])
    func sixtyFourBitMachinesAreAccepted(machine: String, userland: String) throws {
        let root = stagingRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let accepted = try install(["--destdir", root, "--binary", Self.nodeBinary, "--no-start"], machine: machine, userland: userland)
        #expect(accepted.succeeded, "\(accepted)")
        #expect(exists(root + "/usr/local/bin/node"))
    }

    @Test func anUnknownOptionIsRefused() throws {
        let refused = try install(["--frobnicate"])
        #expect(!refused.succeeded && refused.stderr.contains("unknown option: --frobnicate"), "\(refused)")
    }
}
