import ArgumentParser
import Coalition
import NIOCore

extension SocketAddress {
    /// A lab target given on the command line (`10.42.0.2:7946`, `[fd00::2]:7947`), read by the
    /// daemon's own address parser (`ListenAddress`), so the tools accept what `node` accepts.
    /// - Throws: `ValidationError` naming the text and what is wrong with it.
    static func labTarget(_ text: some StringProtocol) throws -> SocketAddress {
        do {
            let address = try ListenAddress(parsing: String(text))
            return try SocketAddress(ipAddress: address.host, port: address.port)
        } catch let error as ListenAddressError {
            throw ValidationError("\(text): \(error)")
        } catch {
            throw ValidationError("\(text): not an IP address and port (\(error))")
        }
    }
}
