import Foundation

/// Finds the `switchyard` executable that the integration tests drive.
///
/// `SWITCHYARD_BINARY` wins; otherwise the newest of `<package root>/.build/debug/switchyard` and
/// `<package root>/.build-it/debug/switchyard` is used, so a fresh build in either scratch path is picked up.
package enum SwitchyardBinary {
    /// Environment variable that names the binary explicitly.
    package static let overrideVariable = "SWITCHYARD_BINARY"

    /// Candidate paths relative to the package root, checked in this order; the newest existing one wins.
    package static let candidates = [".build/debug/switchyard", ".build-it/debug/switchyard"]

    /// The package root: three levels above this file (`Tests/SwitchyardTestSupport/SwitchyardBinary.swift`).
    package static var packageRoot: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .path
    }

    /// The absolute path of the binary, or an error that says how to build it.
    package static func path() throws -> String {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment[overrideVariable], !explicit.isEmpty {
            guard fileManager.isExecutableFile(atPath: explicit) else {
                throw TestSupportError("\(overrideVariable)=\(explicit) is not an executable file")
            }
            return explicit
        }
        let root = packageRoot
        var best: (path: String, modified: Date)?
        for candidate in candidates {
            let path = "\(root)/\(candidate)"
            guard fileManager.isExecutableFile(atPath: path) else { continue }
            let modified = (try? fileManager.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
            if best == nil || modified > best!.modified { best = (path, modified) }
        }
        guard let best else {
            let tried = candidates.map { "\(root)/\($0)" }.joined(separator: ", ")
            throw TestSupportError(
                "switchyard binary not found (tried \(tried)); run `swift build` first or set \(overrideVariable)")
        }
        return best.path
    }
}
