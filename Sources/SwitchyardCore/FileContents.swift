#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Whole files read with stdio (fopen(3)/fread(3)), for the configuration files: the models config and the
/// prompt library.
package enum FileContents {
    /// Why a file could not be read: the errno and its strerror(3) text.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        /// The errno fopen(3) or fread(3) set.
        package var errno: Int32

        /// strerror(3) text, e.g. "No such file or directory".
        package var description: String { String(cString: strerror(errno)) }
    }

    /// The whole file at `path`, or the reason it could not be read (a directory fails with EISDIR).
    package static func read(_ path: String) -> Result<[UInt8], Failure> {
        guard let file = fopen(path, "rb") else { return .failure(Failure(errno: errno)) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[0..<count])
            if count < chunk.count {
                // fread(3): a short count means end of file or an error; ferror tells which (EISDIR for directories).
                if ferror(file) != 0 { return .failure(Failure(errno: errno)) }
                return .success(bytes)
            }
        }
    }
}
