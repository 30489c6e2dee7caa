import Glibc

/// The signals Switchyard's processes handle through ``SignalWatcher``, defined once for the supervisor, its
/// workers and the spawner (README "Cluster, signals and exit codes").
package enum ProcessSignals {
    /// A worker's: TERM/INT fast stop, QUIT graceful stop, HUP (logged and ignored: reloading is the
    /// supervisor's job), USR1 reopen the log file.
    package static let worker: [Int32] = [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1]

    /// The supervisor's: the worker's plus CHLD (reap and respawn). `main` blocks these before any thread
    /// starts, whatever the role.
    package static let supervisor: [Int32] = worker + [SIGCHLD]

    /// Reset to their default disposition in a spawned child: what the parent handles, plus PIPE, which the
    /// parent ignores (an ignored disposition survives execve(2); a blocked signal's default would not apply).
    package static let resetInChild: [Int32] = supervisor + [SIGPIPE]
}
