/// Whether and how this node authenticates the coalition's frames, as `status` shows it.
///
///     {"enabled":true,"keyFile":"/etc/coalition/key","acceptedKeys":2,
///      "fingerprints":["3fa2c901","77d0e412"],"summary":"ON (HMAC-SHA256): ..."}
public struct AuthenticationStatus: Codable, Sendable, Equatable {
    /// Whether every frame is tagged and checked; false with `--insecure`.
    public var enabled: Bool
    /// The key file re-read on SIGHUP; nil with `--insecure`.
    public var keyFile: String?
    /// How many keys a frame is accepted under: 0 (`--insecure`), 1, or 2 during a rotation.
    public var acceptedKeys: Int
    /// The keys' fingerprints (``WireAuthenticator/fingerprints``), current first: boards
    /// that show the same first fingerprint send under the same key.
    public var fingerprints: [String]
    /// Why the last re-read of the key file failed (the keys shown stayed in force); nil if fine.
    public var lastReloadError: String?
    /// One plain sentence for people: what is on, or that anyone on the LAN can join.
    public var summary: String

    public init(
        enabled: Bool, keyFile: String?, acceptedKeys: Int, fingerprints: [String], lastReloadError: String?,
        summary: String
    ) {
        self.enabled = enabled
        self.keyFile = keyFile
        self.acceptedKeys = acceptedKeys
        self.fingerprints = fingerprints
        self.lastReloadError = lastReloadError
        self.summary = summary
    }

    /// A node run with `--insecure`.
    public static let insecure = AuthenticationStatus(
        enabled: false, keyFile: nil, acceptedKeys: 0, fingerprints: [], lastReloadError: nil,
        summary: "OFF (--insecure): any device on the LAN can join and feed data")

    /// A node whose frames are checked against the keys in force in `keyring`.
    public init(keyring: WireKeyring) {
        let authenticator = keyring.authenticator
        let fingerprints = authenticator.fingerprints
        let keys = authenticator.acceptedKeyCount == 1
            ? "1 key accepted (\(fingerprints[0]))"
            : "\(authenticator.acceptedKeyCount) keys accepted, sending under \(fingerprints[0]), also accepting \(fingerprints.dropFirst().joined(separator: ", "))"
        self.init(
            enabled: true, keyFile: keyring.keyFile, acceptedKeys: authenticator.acceptedKeyCount,
            fingerprints: fingerprints, lastReloadError: keyring.lastReloadFailure.map { "\($0)" },
            summary: "ON (HMAC-SHA256): \(keys)" + (keyring.keyFile.map { " from \($0)" } ?? ""))
    }
}
