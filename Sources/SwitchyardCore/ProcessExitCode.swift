/// Process exit codes, a documented contract (README "Cluster, signals and exit codes", `switchyard --help`)
/// shared by `serve`, its workers and the other commands; the supervisor's restart policy reads them too.
package enum ProcessExitCode {
    /// Stopped normally.
    package static let ok: Int32 = 0
    /// A runtime error, or the cluster stopped after a crash loop.
    package static let runtimeError: Int32 = 1
    /// Invalid configuration or command line: running again cannot help, so a supervisor must not restart it.
    package static let fatalConfiguration: Int32 = 2
    /// The listening address cannot be bound.
    package static let bindFailed: Int32 = 3
}
