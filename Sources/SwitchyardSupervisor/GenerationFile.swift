/// A file every worker of a generation receives as an inherited sealed memfd: read and validated once per
/// generation (at start and on HUP) and handed as those exact bytes to all of the generation's workers, respawns
/// included, so that no worker runs what its generation did not validate (see `Supervisor`). The models
/// configuration is one; the prompt library another.
package struct GenerationFile {
    /// Why a new generation's file is unusable: every problem, one per line, for the log.
    package struct Invalid: Error, Sendable {
        /// The problems, one per line.
        package var problems: String

        /// An error listing `problems`.
        package init(problems: String) {
            self.problems = problems
        }
    }

    /// Short name for the memfd (`switchyard-<name>-generation-<n>` in `/proc/PID/fd`).
    package var name: String
    /// What the file is, for log lines ("models configuration", "prompt library").
    package var what: String
    /// The descriptor number the worker inherits it as.
    package var fd: Int32
    /// The environment variable that tells the worker `fd`, e.g. `SWITCHYARD_PROMPTS_FD`.
    package var environmentVariable: String
    /// The bytes validated at start, for the first generation; nil: `load` reads them.
    package var initial: [UInt8]?
    /// Reads and validates the file for a new generation.
    package var load: () -> Result<[UInt8], Invalid>

    /// A file handed to workers as `fd`, named in `environmentVariable`.
    package init(name: String, what: String, fd: Int32, environmentVariable: String, initial: [UInt8]?, load: @escaping () -> Result<[UInt8], Invalid>) {
        self.name = name
        self.what = what
        self.fd = fd
        self.environmentVariable = environmentVariable
        self.initial = initial
        self.load = load
    }
}
