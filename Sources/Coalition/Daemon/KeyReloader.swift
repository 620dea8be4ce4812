import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the coalition key file on every SIGHUP and puts its keys in force at once, for
/// every frame sent or checked from then on (see ``WireKeyring``): boards are re-keyed one at a
/// time without a restart, so no service is interrupted.
///
/// Logs the fingerprints now in force; a file that cannot be used keeps the old keys and logs
/// why, naming the file and line. With `--insecure` (no key file) a SIGHUP is logged and ignored.
struct KeyReloader: Service {
    let keyring: WireKeyring?
    /// SIGHUPs, trapped before the daemon's services start.
    let hangups: UnixSignalsSequence
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in hangups { reload() }
        }
    }

    func reload() {
        guard let keyring else {
            logger.warning("SIGHUP: no key file to re-read (--insecure); authentication stays OFF")
            return
        }
        do {
            let keys = try keyring.reload()
            let fingerprints = keys.fingerprints
            logger.notice(
                "SIGHUP: coalition keys re-read; sending under the current key, accepting \(keys.acceptedKeyCount)",
                metadata: [
                    "key_file": "\(keyring.keyFile ?? "?")", "current": "\(fingerprints[0])",
                    "previous": "\(fingerprints.count > 1 ? fingerprints[1] : "none")",
                ])
        } catch {
            let kept = keyring.authenticator.fingerprints
            logger.error(
                "SIGHUP: the key file cannot be used; the keys in force are kept",
                metadata: ["reason": "\(error)", "current": "\(kept[0])", "previous": "\(kept.count > 1 ? kept[1] : "none")"])
        }
    }
}
