import Foundation
import Glibc

/// Reads the Linux process table (`/proc/PID/stat`, proc(5)) to find a supervisor's workers and tell
/// whether a process is still running.
///
/// A zombie counts as gone: it has exited and only waits to be reaped, which for an orphaned worker is
/// up to whatever process it was re-parented to, not to the code under test.
package enum ProcessTable {
    /// The running (non-zombie) children of `parent`, sorted.
    package static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let stat = stat(of: pid) else { return false }
            return stat.parent == parent && !stat.hasExited
        }.sorted()
    }

    /// The worker processes among the children of a `serve` supervisor (not its private redis-server).
    package static func workers(of supervisor: Int32) -> [Int32] {
        children(of: supervisor).filter { !(commandLine(of: $0) ?? "").contains("redis-server") }
    }

    /// Whether `pid` exists and has not exited (a zombie has exited).
    package static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = stat(of: pid) else { return false }
        return !stat.hasExited
    }

    /// The command line of `pid` (arguments joined by spaces), or nil if it is gone.
    package static func commandLine(of pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }

    /// SIGKILLs every process of `pids` that still runs `switchyard` (a test's last-resort cleanup; the
    /// command-line check guards against a recycled pid).
    package static func killLeftovers(_ pids: [Int32]) {
        for pid in pids where isRunning(pid) && commandLine(of: pid)?.contains("switchyard") == true {
            kill(pid, SIGKILL)
        }
    }

    /// State letter and parent pid from `/proc/PID/stat`. `comm` is in parentheses and may itself contain
    /// spaces and parentheses, so fields are counted after the last `)`.
    private static func stat(of pid: Int32) -> Stat? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 2, let state = fields[0].first, let parent = Int32(fields[1]) else { return nil }
        return Stat(state: state, parent: parent)
    }

    /// The two `/proc/PID/stat` fields the table needs.
    private struct Stat {
        /// `R`, `S`, `D`, `Z`, … (proc(5)).
        var state: Character
        var parent: Int32
        /// Zombie (`Z`) or dead (`X`).
        var hasExited: Bool { state == "Z" || state == "X" }
    }
}
