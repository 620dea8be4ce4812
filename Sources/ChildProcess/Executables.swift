import Foundation

/// The one PATH lookup of the package.
public enum Executables {
    /// The folders searched after `PATH`: where root's tools live (`ip`, `avahi-daemon`), which a
    /// minimal `PATH` may lack.
    public static let fallbackFolders = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]

    /// The first executable `name` in the folders of `PATH`, then in ``fallbackFolders``; nil
    /// when there is none. A `name` with a slash is returned as it is when it is executable.
    public static func find(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let folders = (path ?? "").split(separator: ":").map(String.init) + fallbackFolders
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
