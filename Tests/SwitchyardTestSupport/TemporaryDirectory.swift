import Foundation

/// A fresh directory under the system temporary directory, removed with everything in it on deinit.
package final class TemporaryDirectory {
    /// Absolute path of the directory.
    package let path: String

    /// Creates a new, empty, uniquely named directory.
    package init(prefix: String = "switchyard-it") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(prefix)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The absolute path of `name` inside the directory.
    package func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes `text` to `name` inside the directory and returns the file's absolute path.
    @discardableResult
    package func write(_ text: String, to name: String) throws -> String {
        let target = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
