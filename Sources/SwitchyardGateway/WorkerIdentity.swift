import Glibc

/// Which worker process this is: shown by `/health`, logged as `worker.id`.
package struct WorkerIdentity: Sendable, Equatable {
    package var id: Int
    package var pid: Int32
    package var generation: Int

    package init(id: Int, pid: Int32 = getpid(), generation: Int = 1) {
        self.id = id
        self.pid = pid
        self.generation = generation
    }
}
