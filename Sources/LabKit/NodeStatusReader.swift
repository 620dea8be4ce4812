import ChildProcess
import Coalition

/// The one reader of `node status --json` for the lab tests and the benchmarks: the JSON the
/// real command prints, decoded into the product's own types.
extension Lab {
    /// `node status --json` on a control socket (it needs no namespace: the socket is a file),
    /// as the daemon's ``StatusDocument``; nil when no daemon answers there.
    /// - Parameter node: the `node` that asks (another build, for a benchmark against it).
    public static func nodeStatus(socket: String, node: String = nodeBinary) -> StatusDocument? {
        guard let output = try? ChildProcess.run(node, ["status", "--json", "--control-socket", socket]), output.succeeded
        else { return nil }
        return try? StatusDocument(json: output.stdout)
    }
}
