import SwitchyardHTTP
import Testing

@Suite("HTTPHeaders keeps fields in order and looks them up case-insensitively")
struct HTTPHeadersTests {
    private func flattened(_ headers: HTTPHeaders) -> [String] { headers.map { "\($0.name): \($0.value)" } }

    @Test("fields keep arrival order and duplicates")
    func orderAndDuplicates() {
        var headers = HTTPHeaders()
        headers.add(name: "B", value: "1")
        headers.add(name: "a", value: "2")
        headers.add(name: "B", value: "3")
        #expect(flattened(headers) == ["B: 1", "a: 2", "B: 3"])
        #expect(headers.count == 3)
    }

    @Test("the tuple initialiser keeps the given fields as they are")
    func tupleInitialiser() {
        let headers = HTTPHeaders([("Content-Type", "application/json"), ("X-A", "1")])
        #expect(flattened(headers) == ["Content-Type: application/json", "X-A: 1"])
        #expect(HTTPHeaders().count == 0)
    }

    @Test("lookup ignores case and returns the first value")
    func caseInsensitiveLookup() {
        let headers = HTTPHeaders([("Content-Type", "text/plain"), ("content-type", "second")])
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers["Content-Typ"] == nil)
        #expect(headers["Content-Type-X"] == nil)
        #expect(headers.contains("CoNtEnT-tYpE"))
        #expect(!headers.contains("Accept"))
    }

    @Test("an empty value is present, not missing")
    func emptyValueIsPresent() {
        let headers = HTTPHeaders([("X-Empty", "")])
        #expect(headers["x-empty"] == "")
        #expect(headers.contains("X-EMPTY"))
    }

    @Test("replaceOrAdd removes every field of that name, whatever its case, and appends one")
    func replaceOrAdd() {
        var headers = HTTPHeaders([("Via", "1"), ("X", "a"), ("via", "2"), ("Y", "b")])
        headers.replaceOrAdd(name: "VIA", value: "3")
        #expect(flattened(headers) == ["X: a", "Y: b", "VIA: 3"])
        headers.replaceOrAdd(name: "Z", value: "new")
        #expect(flattened(headers) == ["X: a", "Y: b", "VIA: 3", "Z: new"])
    }

    @Test("remove deletes every field of that name, whatever its case, and nothing else")
    func remove() {
        var headers = HTTPHeaders([("Connection", "close"), ("Host", "a"), ("CONNECTION", "x")])
        headers.remove(name: "connection")
        #expect(flattened(headers) == ["Host: a"])
        headers.remove(name: "missing")
        #expect(flattened(headers) == ["Host: a"])
    }

    @Test("case-insensitive comparison folds ASCII letters only")
    func equalsIgnoringCase() {
        #expect(HTTPHeaders.equalsIgnoringCase("Content-Length", "content-length"))
        #expect(HTTPHeaders.equalsIgnoringCase("", ""))
        #expect(!HTTPHeaders.equalsIgnoringCase("Host", "Hos"))
        #expect(!HTTPHeaders.equalsIgnoringCase("Hos", "Host"))
        #expect(!HTTPHeaders.equalsIgnoringCase("[", "{"))
        #expect(!HTTPHeaders.equalsIgnoringCase("@", "`"))
        #expect(!HTTPHeaders.equalsIgnoringCase("É", "é"))
    }

    @Test("asciiLower lowers A-Z and leaves every other byte alone")
    func asciiLowerIsExact() {
        for byte in UInt8.min...UInt8.max {
            let expected = (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
            #expect(asciiLower(byte) == expected, "byte \(byte)")
        }
    }
}
