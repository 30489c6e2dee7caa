import Testing
@testable import SwitchyardRedis

@Suite("RESP formatting")
struct RESPTests {
    @Test("decimal arguments need no String, negative and extreme values included")
    func decimals() {
        for value in [0, 7, -5, 1_234_567_890, Int.max, Int.min] {
            var bytes: [UInt8] = []
            value.appendRedisBytes(to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == String(value))
        }
    }

    @Test("numbers as bulk strings: the length counts the sign and every digit")
    func numberBulks() {
        for value in [0, 9, 10, -1, -10, 1234567890, Int.min] {
            var bytes: [UInt8] = []
            value.appendBulkString(to: &bytes)
            let digits = String(value)
            #expect(String(decoding: bytes, as: UTF8.self) == "$\(digits.utf8.count)\r\n\(digits)\r\n")
        }
    }

    @Test("a command is an array of bulk strings with exact lengths, empty and binary words included")
    func command() {
        var words: [UInt8] = []
        var lengths: [Int] = []
        for word in [Array("SET".utf8), Array("k\r\n".utf8), [], [0, 255]] {
            words += word
            lengths.append(word.count)
        }
        var out: [UInt8] = []
        RESP.appendCommand(words: words, lengths: lengths, to: &out)
        #expect(out == Array("*4\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$0\r\n\r\n$2\r\n".utf8) + [0, 255] + Array("\r\n".utf8))
    }
}
