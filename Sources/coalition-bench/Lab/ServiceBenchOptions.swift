import ArgumentParser
import LabKit

/// What the services benchmarks (`formation`, `rebuild`) ask and whose `node` they run.
struct ServiceBenchOptions: ParsableArguments {
    @Option(help: "The video level to request.")
    var video: String = "HD"

    @Option(name: .customLong("node-binary"), help: ArgumentHelp("The `node` run on the lab hosts. Default: the one beside this binary.", valueName: "path"))
    var nodeBinary: String?

    /// The `node` to run: `--node-binary`, else the one beside this binary.
    var node: String { nodeBinary ?? Lab.nodeBinary }
}
