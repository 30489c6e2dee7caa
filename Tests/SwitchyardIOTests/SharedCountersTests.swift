import Glibc
import SwitchyardIO
import Testing

@Suite("Shared counters")
struct SharedCountersTests {
    @Test("a series is published once per text; two mappings of one region see each other's adds; sums cover every used cell")
    func sharing() throws {
        let region = try SharedCounters.create(name: "test", layout: .init(cells: 3, series: 16, wordsPerCell: 64, globalWords: 8))
        let other = try SharedCounters.attach(fd: region.fd)
        #expect(other.layout == region.layout)
        let first = try #require(region.claimCell(pid: 100))
        let second = try #require(other.claimCell(pid: 200))
        #expect(first != second)
        let word = try #require(region.series(family: 1, labels: Array(#"route="a""#.utf8), kind: .counter, words: 1))
        #expect(other.series(family: 1, labels: Array(#"route="a""#.utf8), kind: .counter, words: 1) == word)
        let gauge = try #require(other.series(family: 2, labels: [], kind: .gauge, words: 1))
        #expect(gauge != word)
        region.add(cell: first, word: word, 3)
        other.add(cell: second, word: word, 4)
        region.add(cell: first, word: gauge, 1)
        other.add(cell: second, word: gauge, UInt64(bitPattern: -1))
        other.add(cell: second, word: gauge, 2)
        #expect(region.sum(word: word) == 7)
        #expect(Int64(bitPattern: other.sum(word: gauge)) == 2)
        #expect(region.entries().map(\.family) == [1, 2])
    }

    @Test("releasing a cell zeroes its gauges, keeps its counters, and frees it for the next process")
    func release() throws {
        let region = try SharedCounters.create(name: "test", layout: .init(cells: 1, series: 8, wordsPerCell: 16, globalWords: 4))
        let cell = try #require(region.claimCell(pid: 42))
        #expect(region.claimCell(pid: 43) == nil, "only one cell")
        let counter = try #require(region.series(family: 1, labels: [], kind: .counter, words: 1))
        let gauge = try #require(region.series(family: 2, labels: [], kind: .gauge, words: 1))
        region.add(cell: cell, word: counter, 5)
        region.add(cell: cell, word: gauge, 3)
        #expect(region.releaseCell(ownedBy: 42))
        #expect(!region.releaseCell(ownedBy: 42))
        #expect(region.sum(word: counter) == 5)
        #expect(region.sum(word: gauge) == 0)
        #expect(region.claimCell(pid: 43) == cell)
        #expect(region.owner(of: cell) == 43)
    }

    @Test("a full dictionary, full words or too long labels give nil, never a shared offset")
    func capacity() throws {
        let region = try SharedCounters.create(name: "test", layout: .init(cells: 1, series: 2, wordsPerCell: 4, globalWords: 1))
        #expect(region.series(family: 1, labels: [UInt8](repeating: 0x61, count: SharedCounters.maxLabelBytes + 1), kind: .counter, words: 1) == nil)
        #expect(region.series(family: 1, labels: [0x61], kind: .counter, words: 3) == 0)
        #expect(region.series(family: 1, labels: [0x62], kind: .counter, words: 3) == nil, "only one word left")
        #expect(region.series(family: 1, labels: [0x63], kind: .counter, words: 1) == nil, "dictionary full")
        #expect(region.series(family: 1, labels: [0x61], kind: .counter, words: 3) == 0, "existing series still found")
    }

    @Test("attaching to something else fails")
    func attachRejectsForeignFiles() throws {
        var pair: [Int32] = [0, 0]
        #expect(pipe(&pair) == 0)
        defer { close(pair[0]); close(pair[1]) }
        #expect(throws: IOError.self) { try SharedCounters.attach(fd: pair[0]) }
    }
}
