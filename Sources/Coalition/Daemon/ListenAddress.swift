import MembershipCore

/// An IP address and TCP port to listen on, as `node join --metrics-address` takes it:
/// `192.168.1.20:9464`, `0.0.0.0:9464`, `[::1]:9464`, `[::]:9464`. No host names: a daemon
/// binds to what it was told, never to what a resolver answers.
public struct ListenAddress: Hashable, Sendable, CustomStringConvertible {
    /// An IPv4 dotted quad or an IPv6 literal (without brackets, no zone).
    public let host: String
    /// The TCP port; 0 lets the kernel pick a free one (tests).
    public let port: Int

    /// Whether ``host`` is an IPv6 literal.
    public var isIPv6: Bool { host.contains(":") }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// - Throws: ``ListenAddressError`` unless `host` is an IP literal and `port` is 0...65535.
    public init(host: String, port: Int) throws(ListenAddressError) {
        guard (0...65535).contains(port) else { throw .badPort("\(port)") }
        guard PeerAddress(validatingHost: host, port: 1) != nil else { throw .badHost(host) }
        self.host = host
        self.port = port
    }

    /// Parses `ADDRESS:PORT` (`[IPv6]:PORT` for IPv6).
    /// - Throws: ``ListenAddressError`` naming what is wrong.
    public init(parsing text: String) throws(ListenAddressError) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .unclosedBracket(text) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .missingPort(text) }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .missingPort(text) }
            host = text[..<colon]
            guard !host.contains(":") else { throw .bareIPv6(text) }
            port = text[text.index(after: colon)...]
        }
        guard !port.isEmpty, port.utf8.count <= 5, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber),
            let number = Int(port)
        else { throw .badPort(String(port)) }
        try self.init(host: String(host), port: number)
    }
}

/// Why a listen address was refused, in a sentence that says what to write instead.
public enum ListenAddressError: Error, Hashable, Sendable, CustomStringConvertible {
    case missingPort(String)
    case unclosedBracket(String)
    case bareIPv6(String)
    case badHost(String)
    case badPort(String)

    public var description: String {
        switch self {
        case .missingPort(let text):
            "\"\(text)\" has no port: write ADDRESS:PORT, such as 0.0.0.0:9464 or [::1]:9464"
        case .unclosedBracket(let text):
            "\"\(text)\" opens a bracket it never closes: write an IPv6 address as [::1]:9464"
        case .bareIPv6(let text):
            "\"\(text)\" looks like an IPv6 address without brackets: write it as [ADDRESS]:PORT, such as [::1]:9464"
        case .badHost(let host):
            "\"\(host)\" is not an IP address: give an IPv4 dotted quad or an IPv6 literal (no host names)"
        case .badPort(let port):
            "\"\(port)\" is not a port: give a number in 0...65535"
        }
    }
}
