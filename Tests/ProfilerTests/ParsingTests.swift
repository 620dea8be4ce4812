import Foundation
import Testing

@testable import Profiler

@Suite("Parsing of /proc files, ffmpeg output and names")
struct ParsingTests {
    @Test("a Raspberry Pi's device-tree model wins over cpuinfo")
    func deviceTreeModelWins() {
        let cpuinfo = "processor\t: 0\nmodel name\t: ARMv7 Processor rev 4 (v7l)\nModel\t\t: Raspberry Pi 3 Model B Rev 1.2\n"
        #expect(DeviceProbe.deviceModel(deviceTreeModel: "Raspberry Pi 4 Model B Rev 1.4\0", cpuinfo: cpuinfo)
            == "Raspberry Pi 4 Model B Rev 1.4")
        #expect(DeviceProbe.deviceModel(deviceTreeModel: nil, cpuinfo: cpuinfo) == "Raspberry Pi 3 Model B Rev 1.2")
        #expect(DeviceProbe.cpuName(cpuinfo: cpuinfo) == "ARMv7 Processor rev 4 (v7l)")
    }

    @Test("elsewhere the model is the CPU's model name")
    func cpuModelNameElsewhere() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n"
        #expect(DeviceProbe.deviceModel(deviceTreeModel: nil, cpuinfo: cpuinfo) == "AMD EPYC 7B13")
    }

    @Test("/proc/self/status kB lines parse to numbers")
    func procStatus() {
        let fields = ProcStatus.parseKilobytes("Name:\tnode\nVmHWM:\t   12345 kB\nVmRSS:\t    2048 kB\nThreads:\t3\n")
        #expect(fields == ["VmHWM": 12345, "VmRSS": 2048])
    }

    @Test("profile names are the sanitized model and host")
    func profileNames() {
        #expect(ProfileNaming.id(model: "Raspberry Pi 4 Model B Rev 1.4", hostname: "pi4-kitchen")
            == "raspberry-pi-4-model-b-rev-1-4.pi4-kitchen")
        #expect(ProfileNaming.id(model: "  ", hostname: "../../etc") == "device.etc")
    }

    @Test("nearest-rank percentiles")
    func percentiles() {
        let values = (1...100).map(Double.init)
        #expect(Percentiles.nearestRank(50, of: values) == 50)
        #expect(Percentiles.nearestRank(99, of: values) == 99)
        #expect(Percentiles.nearestRank(99, of: [3]) == 3)
        #expect(Percentiles.nearestRank(50, of: []) == 0)
    }

    @Test("the progress bar fills with the share done")
    func progressBar() {
        #expect(ProgressBar.line(label: "x", fraction: 0.5, width: 10) == "x  [#####.....]  50%")
        #expect(ProgressBar.line(label: "x", fraction: 2, width: 4) == "x  [####] 100%")
    }
}
