import Foundation
import Glibc

/// A private copy of the `switchyard` binary that a test can swap under a running supervisor, the way a package
/// upgrade replaces a file: the supervisor spawns every worker (respawns included) from the path it was started
/// from, so a worker started after a swap runs whatever the path holds then.
package final class SwappableBinary {
    /// The path to start `serve` from.
    package let path: String
    private let original: String
    private let directory: TemporaryDirectory

    /// A hard link to (or, across file systems, a copy of) the located binary, in a fresh temporary directory.
    package init() throws {
        original = try SwitchyardBinary.path()
        directory = try TemporaryDirectory(prefix: "switchyard-binary")
        path = directory.file("switchyard")
        if link(original, path) != 0 {
            try FileManager.default.copyItem(atPath: original, toPath: path)
        }
    }

    /// Atomically replaces the binary with a shell script whose body is `script` (e.g. `exit 2`).
    package func replace(withScript script: String) throws {
        let staged = directory.file("switchyard.new")
        try directory.write("#!/bin/sh\n\(script)\n", to: "switchyard.new")
        guard chmod(staged, 0o755) == 0, rename(staged, path) == 0 else {
            throw TestSupportError("cannot swap \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the binary: starting it fails with ENOENT.
    package func remove() {
        unlink(path)
    }

    /// Atomically puts the real binary back.
    package func restore() throws {
        let staged = directory.file("switchyard.restored")
        unlink(staged)
        if link(original, staged) != 0 {
            try FileManager.default.copyItem(atPath: original, toPath: staged)
        }
        guard rename(staged, path) == 0 else {
            throw TestSupportError("cannot restore \(path): \(String(cString: strerror(errno)))")
        }
    }
}
