import Coalition
import Testing

@Suite("Listen address")
struct ListenAddressTests {
    @Test func parsesIPv4AndBracketedIPv6WithTheirPorts() throws {
        let v4 = try ListenAddress(parsing: "10.0.0.7:9464")
        #expect(v4.host == "10.0.0.7" && v4.port == 9464 && !v4.isIPv6)
        #expect(v4.description == "10.0.0.7:9464")
        let any = try ListenAddress(parsing: "0.0.0.0:9464")
        #expect(any.host == "0.0.0.0")
        let v6 = try ListenAddress(parsing: "[::1]:9100")
        #expect(v6.host == "::1" && v6.port == 9100 && v6.isIPv6)
        #expect(v6.description == "[::1]:9100")
        #expect(try ListenAddress(parsing: "[fe80::1:2]:0").port == 0)
    }

    @Test func refusesEachMalformedAddressWithItsOwnReason() {
        #expect(throws: ListenAddressError.missingPort("10.0.0.7")) { try ListenAddress(parsing: "10.0.0.7") }
        #expect(throws: ListenAddressError.missingPort("[::1]")) { try ListenAddress(parsing: "[::1]") }
        #expect(throws: ListenAddressError.unclosedBracket("[::1:80")) { try ListenAddress(parsing: "[::1:80") }
        #expect(throws: ListenAddressError.bareIPv6("::1:9464")) { try ListenAddress(parsing: "::1:9464") }
        #expect(throws: ListenAddressError.badHost("localhost")) { try ListenAddress(parsing: "localhost:9464") }
        #expect(throws: ListenAddressError.badHost("10.0.0.256")) { try ListenAddress(parsing: "10.0.0.256:9464") }
        #expect(throws: ListenAddressError.badHost("")) { try ListenAddress(parsing: ":9464") }
        #expect(throws: ListenAddressError.badPort("65536")) { try ListenAddress(parsing: "10.0.0.7:65536") }
        #expect(throws: ListenAddressError.badPort("")) { try ListenAddress(parsing: "10.0.0.7:") }
        #expect(throws: ListenAddressError.badPort("+80")) { try ListenAddress(parsing: "10.0.0.7:+80") }
        #expect(throws: ListenAddressError.badPort("９４６４")) { try ListenAddress(parsing: "10.0.0.7:９４６４") }
    }

    @Test func eachErrorSaysWhatToWriteInstead() {
        #expect("\(ListenAddressError.bareIPv6("::1:9464"))".contains("[::1]:9464"))
        #expect("\(ListenAddressError.badHost("localhost"))".contains("no host names"))
    }
}
