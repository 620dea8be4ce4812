import ChildProcess
import Foundation
import QoSModel
import SystemCalls
import SystemSampling

/// Reads what a device is: its model, CPU, cores, memory, architecture and host name, and its
/// throttling state where the board reports one.
public enum DeviceProbe {
    /// The device this process runs on. `memoryBytes` is MemTotal (from libproc2).
    public static func current(isBuildMachine: Bool) throws -> DeviceInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let treeModel = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/device-tree/model")))
            .map { String(decoding: $0, as: UTF8.self) }
        let architecture = CurrentProcess.machine()
        let cpu = cpuName(cpuinfo: cpuinfo) ?? architecture
        let model = deviceModel(deviceTreeModel: treeModel, cpuinfo: cpuinfo) ?? cpu
        return DeviceInfo(
            model: model, cpu: cpu, cores: MachineTotals.cpuCount(), memoryBytes: try MachineTotals.memoryBytes(),
            architecture: architecture, hostname: ProcessInfo.processInfo.hostName, isBuildMachine: isBuildMachine)
    }

    /// The model: `/proc/device-tree/model` (a Raspberry Pi, NUL-terminated) when present, else
    /// the CPU's `model name`, else `Hardware`/`Model` lines of ARM kernels.
    static func deviceModel(deviceTreeModel: String?, cpuinfo: String) -> String? {
        if let tree = deviceTreeModel?.trimmingCharacters(in: CharacterSet(charactersIn: "\0").union(.whitespacesAndNewlines)),
            !tree.isEmpty
        {
            return tree
        }
        return field("Model", in: cpuinfo) ?? field("model name", in: cpuinfo) ?? field("Hardware", in: cpuinfo)
    }

    /// The CPU: `model name` (x86, most ARM kernels), else `Processor`, else `cpu model`.
    static func cpuName(cpuinfo: String) -> String? {
        field("model name", in: cpuinfo) ?? field("Processor", in: cpuinfo) ?? field("cpu model", in: cpuinfo)
    }

    /// The first value of a `key<tabs>: value` line of `/proc/cpuinfo`.
    static func field(_ key: String, in cpuinfo: String) -> String? {
        for line in cpuinfo.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].trimmingCharacters(in: .whitespaces) == key {
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { return value }
            }
        }
        return nil
    }

    /// `vcgencmd get_throttled` output (e.g. `throttled=0x0`) where the tool exists; nil
    /// elsewhere or when it fails (its absence is not an error).
    public static func throttling() -> String? {
        let candidates = ["/usr/bin/vcgencmd", "/opt/vc/bin/vcgencmd", "/usr/local/bin/vcgencmd"]
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return nil
        }
        guard let output = try? ChildProcess.run(tool, ["get_throttled"]), output.succeeded else { return nil }
        let text = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
