/// Bytes received but not yet consumed by the parser: a growable array and a read index.
package struct InputBuffer: Sendable {
    package var storage: [UInt8] = []
    package var readerIndex = 0

    package init() {}

    package init(_ bytes: [UInt8]) {
        storage = bytes
    }

    /// Number of unconsumed bytes.
    @inline(__always)
    package var readableCount: Int { storage.count - readerIndex }

    /// Appends received bytes.
    @inline(__always)
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        storage.append(contentsOf: bytes)
    }

    /// Appends received bytes.
    package mutating func append(_ bytes: [UInt8]) {
        storage.append(contentsOf: bytes)
    }

    /// Marks `count` bytes as consumed; reclaims space once everything has been read.
    @inline(__always)
    package mutating func consume(_ count: Int) {
        readerIndex += count
        if readerIndex == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 1 << 16)
            readerIndex = 0
        } else if readerIndex > 1 << 16 && readerIndex > storage.count / 2 {
            storage.removeSubrange(0..<readerIndex)
            readerIndex = 0
        }
    }
}
