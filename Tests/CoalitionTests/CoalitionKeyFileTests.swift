import Coalition
import Foundation
import Testing

/// The `--key-file` format: one key per line, current first, previous second, at most two.
@Suite("Coalition key file")
struct CoalitionKeyFileTests {
    static let current = "zV3m2bH0bE2E8mN1c0n5y6xv9k3XfYwqk0gq2y6m1mA="
    static let previous = "J1pQ6b3o5S8n1l6Tq0jz4p9g8a7r2w5e3u1i0o9y8tA="

    func parse(_ text: String) throws(WireKeyError) -> CoalitionKeys {
        try CoalitionKeyFile.parse(Array(text.utf8), path: "/etc/coalition/key")
    }

    func rejection(_ text: String) -> WireKeyError? {
        do {
            let keys = try parse(text)
            Issue.record("accepted \(text.debugDescription) as \(keys)")
            return nil
        } catch {
            return error
        }
    }

    @Test func oneKey_withOrWithoutANewline_isTheCurrentKeyAlone() throws {
        for text in [Self.current, Self.current + "\n"] {
            let keys = try parse(text)
            #expect(keys.current == Array(Self.current.utf8))
            #expect(keys.previous == nil)
        }
    }

    @Test func twoKeys_areCurrentThenPrevious_commentsAndBlankLinesSkipped() throws {
        let keys = try parse("# rotated 2026-11-30\n\(Self.current)\n\n   \n\(Self.previous)\n")
        #expect(keys.current == Array(Self.current.utf8))
        #expect(keys.previous == Array(Self.previous.utf8))
        #expect(keys.accepted.count == 2)
    }

    @Test func crlfLineEnds_giveTheSameKeys() throws {
        #expect(try parse("\(Self.current)\r\n\(Self.previous)\r\n") == parse("\(Self.current)\n\(Self.previous)\n"))
    }

    @Test func aThirdKey_isRefusedNamingTheFileAndItsLine() {
        let error = rejection("\(Self.current)\n# old\n\(Self.previous)\n\nthird-key-0123456789abcdef\n")
        #expect(error?.path == "/etc/coalition/key")
        #expect(error?.line == 5)
        #expect(error?.description.contains("coalition key file /etc/coalition/key, line 5") == true, "\(String(describing: error))")
        #expect(error?.description.contains("at most two") == true)
    }

    @Test func aShortKey_isRefusedNamingItsLineAndLength() {
        let error = rejection("\(Self.current)\nshort-key\n")
        #expect(error?.line == 2)
        #expect(error?.description.contains("9 bytes; at least 16") == true, "\(String(describing: error))")
    }

    @Test func anEmptyFile_orOneOfOnlyCommentsAndBlanks_holdsNoKey() {
        for text in ["", "\n\n", "# nothing yet\n  \n"] {
            let error = rejection(text)
            #expect(error?.description.contains("/etc/coalition/key: the file holds no key") == true, "\(String(describing: error))")
        }
    }

    @Test func aKeyWithSurroundingBlanks_isRefusedRatherThanGuessed() {
        let error = rejection("\(Self.current) \n")
        #expect(error?.line == 1)
        #expect(error?.description.contains("space or tab") == true)
    }

    @Test func aMissingFile_isRefusedNamingIt() {
        #expect(throws: WireKeyError.self) { try CoalitionKeyFile.load(path: "/nonexistent/coalition.key") }
    }

    @Test func aGeneratedLine_isBase64Of32RandomBytes_andParsesAsAKey() throws {
        let first = CoalitionKeyFile.generateLine()
        let second = CoalitionKeyFile.generateLine()
        #expect(first.hasSuffix("\n") && first != second)
        let decoded = try #require(Data(base64Encoded: String(first.dropLast())))
        #expect(decoded.count == 32)
        #expect(try parse(first).current == Array(first.dropLast().utf8))
    }
}
