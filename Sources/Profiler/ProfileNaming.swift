/// Names of profile files: the device model and the host, lowercased, anything but letters and
/// digits turned into single dashes.
public enum ProfileNaming {
    /// e.g. `raspberry-pi-4-model-b-rev-1-4.pi4-kitchen`.
    public static func id(model: String, hostname: String) -> String {
        let model = sanitize(model)
        let host = sanitize(hostname)
        let id = [model.isEmpty ? "device" : model, host.isEmpty ? "host" : host].joined(separator: ".")
        return String(id.prefix(128))
    }

    /// Lowercase ASCII letters and digits, runs of anything else as one `-`, no dash at either end.
    public static func sanitize(_ text: String) -> String {
        var out = ""
        var pendingDash = false
        for scalar in text.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                if pendingDash && !out.isEmpty { out.append("-") }
                pendingDash = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        return out
    }
}
