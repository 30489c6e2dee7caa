import Glibc
import Testing
@testable import SwitchyardIO

@Suite("Sealed in-memory files")
struct SealedFileTests {
    @Test("a sealed file reads back exactly what it was made with, however often and from any offset")
    func readsBackItsContents() throws {
        let contents = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let fd = try SealedFile.create(name: "test", contents: contents)
        defer { close(fd) }
        // Moving the shared file offset (as another process reading the same fd would) changes nothing.
        #expect(lseek(fd, 1234, SEEK_SET) == 1234)
        #expect(try SealedFile.read(fd) == contents)
        #expect(try SealedFile.read(fd) == contents)
    }

    @Test("nobody can write, grow or shrink a sealed file, not even its creator")
    func refusesChanges() throws {
        let fd = try SealedFile.create(name: "test", contents: Array("{\"a\":1}".utf8))
        defer { close(fd) }
        var byte: UInt8 = 0x20
        let written = pwrite(fd, &byte, 1, 0)
        let code = errno
        #expect(written == -1)
        #expect(code == EPERM)
        #expect(ftruncate(fd, 1) == -1)
        #expect(ftruncate(fd, 4096) == -1)
        #expect(try SealedFile.read(fd) == Array("{\"a\":1}".utf8))
    }

    @Test("an empty file is sealed and reads back empty")
    func emptyContents() throws {
        let fd = try SealedFile.create(name: "empty", contents: [])
        defer { close(fd) }
        #expect(try SealedFile.read(fd).isEmpty)
    }
}
