import ArgumentParser
import Coalition

/// `node keygen [FILE]`: a new random coalition key.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a new random coalition key (32 bytes from the system's secure generator, in base64).",
        discussion: """
            Writes FILE with mode 0600 (owner only), or prints the key when no FILE is given. Copy \
            the same file to every board and pass it to `node join --key-file FILE`. An existing \
            FILE is never overwritten without --force. To rotate keys without stopping any board, \
            see "Rotating the coalition key" in the README.
            """
    )

    @Argument(help: ArgumentHelp("The key file to create (mode 0600). Default: print the key.", valueName: "file"))
    var file: String?

    @Flag(help: "Replace FILE if it exists.")
    var force = false

    func validate() throws {
        if force, file == nil { throw ValidationError("--force needs a FILE to replace") }
    }

    func run() throws {
        let line = CoalitionKeyFile.generateLine()
        guard let file else {
            print(line, terminator: "")
            return
        }
        try KeyFileWriter.write(line, to: file, replacing: force)
        print("wrote a new coalition key to \(file) (mode 0600); pass --key-file \(file) to `node join` on every board")
    }
}
