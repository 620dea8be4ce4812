import ChildProcess
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A lab of network-namespace hosts, each with its own dbus system bus and avahi-daemon, driven
/// through `scripts/lab` (see DESIGN.md section 5), for the lab tests and the benchmarks.
///
/// Each `Lab.up` makes a lab of its own under `/tmp/coalition-lab-<name>-<random>`, so suites
/// never share hosts; the calling process is recorded as its owner, so a lab left behind by a
/// crashed run is taken down by the next `Lab.up` (`lab gc`). Always pair `up` with
/// `defer { lab.down() }`. Needs root: check `Lab.isAvailable` / `Lab.unavailableReason`.
public struct Lab: Sendable {
    /// The lab's directory (`COALITION_LAB_DIR` for the script).
    public let directory: String
    /// Hosts 1...N; `hosts[0]` is host 1.
    public let hosts: [LabHost]
    /// The `scripts/lab` that drives this lab.
    public let script: String

    /// The lab's coalition key file, made by `node keygen` when the lab came up: pass it to every
    /// `node join` with `--key-file` (unless the test is about `--insecure`).
    public var keyFile: String { "\(directory)/coalition.key" }

    /// The number of hosts.
    public var count: Int { hosts.count }

    /// The package's root directory, found from this file's path.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `scripts/lab` of this package.
    public static let defaultScript: String = packageRoot.appendingPathComponent("scripts/lab").path

    /// Why the lab cannot run here, or nil when it can (root, `ip` and `avahi-daemon` present).
    public static var unavailableReason: String? {
        if getuid() != 0 { return "the lab needs root (network namespaces); run as root" }
        if Executables.find("ip") == nil { return "'ip' not found: run scripts/install-deps (iproute2)" }
        if Executables.find("avahi-daemon") == nil {
            return "'avahi-daemon' not found: run scripts/install-deps (avahi-daemon)"
        }
        if !FileManager.default.isExecutableFile(atPath: defaultScript) { return "\(defaultScript) is missing" }
        return nil
    }

    /// True when `Lab.up` can work here.
    public static var isAvailable: Bool { unavailableReason == nil }

    /// Creates a lab of `hosts` hosts, waits until every host's avahi-daemon runs, and makes
    /// the lab's key file with `node`.
    /// - Parameters:
    ///   - name: a short tag for the lab's directory, to tell labs apart in `/tmp`.
    ///   - script: the `scripts/lab` to drive it with.
    ///   - node: the `node` executable that makes the key (`node keygen`).
    public static func up(
        hosts count: Int, name: String = "test", script: String = defaultScript, node: String = nodeBinary
    ) throws -> Lab {
        let tag = String(name.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(16))
        let random = UUID().uuidString.lowercased().prefix(8)
        let directory = "/tmp/coalition-lab-\(tag.isEmpty ? "test" : tag)-\(random)"
        // Leftovers of crashed runs first: labs whose owner process is gone.
        _ = try? LabScript(path: script, directory: directory).invoke(["gc"])
        let driver = LabScript(path: script, directory: directory)
        try driver.check(["up", String(count)])
        do {
            let hosts = try (1...count).map { index in
                let info = try driver.check(["info", String(index)])
                guard let host = LabHost(index: index, info: info.stdout) else {
                    throw LabError(arguments: ["info", String(index)], output: info)
                }
                return host
            }
            let lab = Lab(directory: directory, hosts: hosts, script: script)
            try lab.keygen(lab.keyFile, node: node)
            return lab
        } catch {
            _ = try? driver.invoke(["down"])
            throw error
        }
    }

    /// Makes a new coalition key file at `path` with `node keygen` (mode 0600); returns `path`.
    @discardableResult
    public func keygen(_ path: String, node: String = Lab.nodeBinary) throws -> String {
        let output = try ChildProcess.run(node, ["keygen", path])
        guard output.succeeded else { throw LabError(arguments: ["(node) keygen", path], output: output) }
        return path
    }

    /// Host `index` (1-based).
    public func host(_ index: Int) -> LabHost { hosts[index - 1] }

    /// Host `index`'s IPv4 address.
    public func address(host index: Int) -> String { host(index).address }

    /// `lab status`: the hosts, links, daemons, faults and processes, for a failure message.
    public func status() -> String {
        (try? driver.invoke(["status"]).stdout) ?? "(lab status failed)"
    }

    /// Removes everything the lab made. Never throws, so it fits in a `defer`; a failure is
    /// printed to standard error.
    public func down() {
        do {
            let output = try driver.invoke(["down"])
            if !output.succeeded { FileHandle.standardError.write(Data("lab down: \(output)\n".utf8)) }
        } catch {
            FileHandle.standardError.write(Data("lab down: \(error)\n".utf8))
        }
    }

    /// The `node` executable built beside the running binary (`swift build --build-tests` builds
    /// it beside the test bundle, and `coalition-bench` beside itself), else `.build/debug/node`.
    public static let nodeBinary: String = built("node")

    /// The `coalition-lab` executable (the lab's questions and its plain UDP sender), found as
    /// ``nodeBinary`` is.
    public static let labToolBinary: String = built("coalition-lab")

    /// An executable of this package beside the running binary, else in `.build/debug`.
    private static func built(_ name: String) -> String {
        let beside = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/\(name)").path
    }

    /// `scripts/lab` run on this lab's directory.
    var driver: LabScript { LabScript(path: script, directory: directory) }
}

extension Lab {
    /// The capability profile committed in the package's `profiles/` (measured on a build
    /// machine) for nodes that must lend without measuring first: the one measured on this
    /// machine's CPU (its `device.cpu` is this machine's `model name`) when there is one, so
    /// that the lab's quotas and the profile's costs agree; else the first by name.
    public static func committedProfile() throws -> String {
        let directory = packageRoot.appendingPathComponent("profiles")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        guard let first = files.first else {
            throw LabError(arguments: ["(profiles)"], output: CommandOutput(status: -1, stdout: "", stderr: "no profile committed in \(directory.path)"))
        }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let thisCPU = profileMatching(cpuinfo: cpuinfo, among: files.map { name in
            (name, (try? Data(contentsOf: directory.appendingPathComponent(name))) ?? Data())
        })
        return directory.appendingPathComponent(thisCPU ?? first).path
    }

    /// The first of `profiles` (file name, contents) whose `device.cpu` is the first
    /// `model name` of `cpuinfo`; nil when none is (or the CPU has no model name).
    static func profileMatching(cpuinfo: String, among profiles: [(name: String, contents: Data)]) -> String? {
        let modelLine = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
        guard let model = modelLine?.split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces), !model.isEmpty
        else { return nil }
        return profiles.first { profile in
            let json = try? JSONSerialization.jsonObject(with: profile.contents) as? [String: Any]
            return (json?["device"] as? [String: Any])?["cpu"] as? String == model
        }?.name
    }
}
