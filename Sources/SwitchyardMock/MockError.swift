/// Why `switchyard mock` could not start: the only error type of `SwitchyardMock`.
package enum MockError: Error, Equatable, CustomStringConvertible {
    /// `--help` or `-h` was given: print ``MockOptions/helpText`` and exit 0.
    case helpRequested
    /// The command line is wrong (exit 2); the message names the offending argument.
    case usage(String)

    package var description: String {
        switch self {
        case .helpRequested: return "help requested"
        case .usage(let message): return message
        }
    }
}
