import Glibc
import SystemCalls
import Testing

@Suite struct ChildProcessTests {
    @Test func aChildReadsItsInputAndWritesItsOutputThroughThePipes() throws {
        let child = try ChildProcess.spawn(executable: "/usr/bin/tr", arguments: ["a-z", "A-Z"])
        try child.input.writeAll(Array("coalition\n".utf8))
        try child.input.close()
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(child.output.rawValue, &buffer, buffer.count)
            guard count > 0 else { break }
            output += buffer.prefix(count)
        }
        try child.output.close()
        #expect(String(decoding: output, as: UTF8.self) == "COALITION\n")
        #expect(try child.waitForExit() == .exited(code: 0))
    }

    @Test func aKilledChildIsReportedWithItsSignal_andAMissingExecutableIsAnError() throws {
        let child = try ChildProcess.spawn(executable: "/bin/sleep", arguments: ["30"])
        #expect(try child.exitStatusIfEnded() == nil)
        try child.send(signal: SIGKILL)
        #expect(try child.waitForExit() == .signalled(signal: SIGKILL))
        try child.input.close()
        try child.output.close()

        #expect(throws: SystemCallError.self) { try ChildProcess.spawn(executable: "/nonexistent/worker", arguments: []) }
    }
}
