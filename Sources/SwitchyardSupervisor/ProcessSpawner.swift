import CLinux
import Glibc
import SwitchyardIO

/// Starts child processes with `posix_spawn`: `fork()` from a process that may have threads can deadlock the
/// child, and Foundation's `Process` closes every fd ≥ 3, which would drop the inherited sockets.
package enum ProcessSpawner {
    /// Spawns `executable` with `arguments` (argv[0] included) and `environment` (`NAME=value`), handing
    /// `inherit[i].source` to the child as fd `inherit[i].target`. The child starts with an empty signal mask and
    /// default dispositions, whatever the parent blocks.
    package static func spawn(executable: String, arguments: [String], environment: [String], inherit: [(source: Int32, target: Int32)]) throws(IOError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for pair in inherit {
            // dup2 clears close-on-exec on the target (the sources are kept ≥ 10, so they never equal a target).
            posix_spawn_file_actions_adddup2(&actions, pair.source, pair.target)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in ProcessSignals.resetInChild { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        if result != 0 { throw IOError(call: "posix_spawn(\(executable))", code: result) }
        return pid
    }

    /// The path of the running executable (`/proc/self/exe`), so workers run the same binary.
    package static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return CommandLine.arguments[0]
    }

    /// Moves `fd` to a descriptor ≥ `minimum` (close-on-exec) and closes the original.
    package static func raise(_ fd: Int32, minimum: Int32 = 10) throws(IOError) -> Int32 {
        let moved = try syscall("fcntl(F_DUPFD_CLOEXEC)") { sy_fcntl_dupfd_cloexec(fd, minimum) }
        close(fd)
        return moved
    }
}
