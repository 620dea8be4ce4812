import Foundation
import Testing

@testable import Profiler

@Suite("Parsing of /proc files, ffmpeg output and names")
struct ParsingTests {
    @Test("ffmpeg's bench line gives utime, stime and rtime")
    func ffmpegBenchLine() {
        let output = """
            Output #0, null, to 'pipe:':
            frame=  240 fps=0.0 q=-0.0 Lsize=N/A time=00:00:10.00 bitrate=N/A speed=  22x
            bench: utime=0.412s stime=0.012s rtime=0.431s
            bench: maxrss=61000kB
            """
        #expect(FFmpegBenchFigures.parse(output) == FFmpegBenchFigures(user: 0.412, system: 0.012, real: 0.431))
        #expect(FFmpegBenchFigures.parse("no bench here") == nil)
    }

    @Test("ffmpeg's -benchmark_all decode steps sum to its decode-only CPU time")
    func ffmpegDecodeSteps() {
        let output = """
            bench:      133 user        0 sys      133 real decode_audio 0.0
            bench:        8 user        0 sys        7 real encode_audio 0.0
            bench:       49 user        2 sys       49 real decode_video 0.0
            bench: utime=0.073s stime=0.000s rtime=0.073s
            """
        #expect(FFmpegDecodeOnlyFigures.parse(output) == FFmpegDecodeOnlyFigures(cpu: 0.000184, steps: 2))
        #expect(FFmpegDecodeOnlyFigures.parse("bench: utime=0.073s stime=0.000s rtime=0.073s") == nil)
        #expect(FFmpegCommandBenchmark.arguments(clip: "/c.mp4", kind: .video, threads: 1, decodeSteps: true).contains("-benchmark_all"))
    }

    @Test("the ffmpeg command decodes only the clip's one stream with the given threads")
    func ffmpegArguments() {
        let video = FFmpegCommandBenchmark.arguments(clip: "/c.mp4", kind: .video, threads: 1)
        #expect(video.contains("-benchmark"))
        #expect(video.suffix(3) == ["-f", "null", "-"])
        #expect(video.joined(separator: " ").contains("-threads 1 -i /c.mp4 -map 0:v:0"))
        #expect(FFmpegCommandBenchmark.arguments(clip: "/a.mp3", kind: .audio, threads: 1).contains("0:a:0"))
    }

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
