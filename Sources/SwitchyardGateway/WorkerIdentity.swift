import Glibc
import SwitchyardCore

/// Which worker process this is: shown by `/health`, logged as `worker.id`.
package struct WorkerIdentity: Sendable, Equatable {
    package var id: Int
    package var pid: Int32
    package var generation: Int
    /// The router instance in shared-hold owner tokens, as handed over by the supervisor
    /// (`SWITCHYARD_WORKER_INSTANCE_ID`); nil: computed from the host name and the parent pid.
    package var instanceID: String?

    package init(id: Int, pid: Int32 = getpid(), generation: Int = 1, instanceID: String? = nil) {
        self.id = id
        self.pid = pid
        self.generation = generation
        self.instanceID = instanceID
    }

    /// Appends `{"id":…,"pid":…,"generation":…}`, the worker object of `/health` and `/admin/state`.
    func write(to out: inout JSONWriter) {
        out.raw("{\"id\":")
        out.number(id)
        out.raw(",\"pid\":")
        out.number(Int(pid))
        out.raw(",\"generation\":")
        out.number(generation)
        out.raw("}")
    }
}
