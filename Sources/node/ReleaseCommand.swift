import ArgumentParser
import Coalition

struct ReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release a service this node requested: every member frees its reservation."
    )

    @Argument(help: "The service id `node request` printed.")
    var service: String

    @Option(name: .customLong("control-socket"), help: "The daemon's control socket.")
    var controlSocket: String?

    @Flag(help: "Print the answer as JSON.")
    var json = false

    func run() async throws {
        let path = controlSocket ?? ControlProtocol.defaultSocketPath()
        let summary: ServiceSummary
        do {
            summary = try await ControlClient(path: path).call(ReleaseCall.self, ServiceReleaseParameters(service: service))
        } catch let error as ControlClientError {
            throw NodeNotRunning(path: path, detail: error.reason)
        }
        print(json ? ServiceOutput.json(summary) : Rendering.released(summary))
    }
}
