import SwitchyardHTTP
import Testing

@Suite("InputBuffer tracks unconsumed bytes")
struct InputBufferTests {
    @Test("appending grows the readable bytes and consuming advances past them")
    func appendAndConsume() {
        var buffer = InputBuffer.make("abc")
        buffer.append(bytes("def"))
        #expect(buffer.readableCount == 6)
        buffer.consume(2)
        #expect(buffer.readableCount == 4)
        #expect(Array(buffer.storage[buffer.readerIndex...]) == bytes("cdef"))
    }

    @Test("consuming everything empties the storage and rewinds the reader")
    func consumingEverythingRewinds() {
        var buffer = InputBuffer.make("abc")
        buffer.consume(3)
        #expect(buffer.readableCount == 0)
        #expect(buffer.readerIndex == 0)
        #expect(buffer.storage.isEmpty)
    }

    @Test("a large consumed prefix is compacted away without losing unread bytes")
    func compactsLargePrefix() {
        var buffer = InputBuffer(Array(repeating: 0x61, count: 100_000) + bytes("tail"))
        buffer.consume(100_000)
        #expect(buffer.readerIndex == 0)
        #expect(buffer.storage == bytes("tail"))
    }
}
