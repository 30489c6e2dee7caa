#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Directory entries through opendir(3)/readdir(3), and stat(2) checks; no Foundation.
enum DirectoryListing {
    /// Why a directory could not be listed: strerror(3) text.
    struct Failure: Error, CustomStringConvertible {
        var errno: Int32
        var description: String { String(cString: strerror(errno)) }
    }

    /// The names in the directory at `path`, sorted, without `.`, `..` and other hidden entries (names starting
    /// with `.`, such as editor files or a Kubernetes ConfigMap's `..data`).
    static func names(in path: String) -> Result<[String], Failure> {
        guard let directory = opendir(path) else { return .failure(Failure(errno: errno)) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return .success(names.sorted())
    }

    /// Whether `path` is a directory (following symbolic links).
    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }
}
