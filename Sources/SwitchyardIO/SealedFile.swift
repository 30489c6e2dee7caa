import CLinux
import Glibc

/// An immutable in-memory file: `memfd_create(2)` with every `F_SEAL_*` applied (fcntl(2), "File Sealing"), so
/// no holder of the fd, not even its creator, can change, grow or shrink the contents once it is made. Handed to
/// another process as an inherited fd; it disappears with the last fd.
package enum SealedFile {
    /// A close-on-exec fd of a new sealed file holding `contents`; `name` shows in `/proc/PID/fd` as `memfd:NAME`.
    package static func create(name: String, contents: [UInt8]) throws(IOError) -> Int32 {
        let fd = try syscall("memfd_create") { sy_memfd_create_sealable(name) }
        do {
            var offset = 0
            while offset < contents.count {
                let written = try syscall("write") {
                    contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                }
                offset += written
            }
            _ = try syscall("fcntl(F_ADD_SEALS)") { sy_seal_all(fd) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// The whole contents of `fd`, read with `pread(2)` from offset 0: processes that inherited the same fd share
    /// one file offset, so `read(2)` from several of them at once would race.
    package static func read(_ fd: Int32) throws(IOError) -> [UInt8] {
        var status = stat()
        _ = try syscall("fstat") { fstat(fd, &status) }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var offset = 0
        while offset < bytes.count {
            let count = try syscall("pread") {
                bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) }
            }
            if count == 0 { break }
            offset += count
        }
        return Array(bytes[0..<offset])
    }
}
