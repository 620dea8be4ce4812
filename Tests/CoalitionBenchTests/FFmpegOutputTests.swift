import Testing

@testable import coalition_bench

@Suite("Parsing of ffmpeg's benchmark output")
struct FFmpegOutputTests {
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
}
