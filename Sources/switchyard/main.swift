import Glibc
import SwitchyardCore
import SwitchyardGateway
import SwitchyardIO
import SwitchyardMock
import SwitchyardSupervisor
import SwitchyardUpstream

// Block the signals we handle through signalfd before anything can start a thread, so every thread inherits
// the mask and no signal is delivered the default (process-killing) way.
SignalWatcher.blockSignals(ProcessSignals.supervisor)
signal(SIGPIPE, SIG_IGN)

let arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.first ?? "help"
let rest = Array(arguments.dropFirst())

switch command {
case "serve":
    exit(ServeCommand.run(arguments: rest))
case "worker":
    exit(WorkerCommand.run(arguments: rest))
case "mock":
    SignalWatcher.unblockAll()
    exit(MockCommand.run(arguments: rest))
case "check-config":
    exit(CheckConfigCommand.run(arguments: rest))
case "private-redis":
    // Internal: how `serve` starts its private redis-server (see PrivateRedis).
    exit(PrivateRedis.execGuarded(arguments: rest))
case "health":
    exit(HealthCommand.run(arguments: rest))
case "version", "--version":
    print("switchyard \(SwitchyardVersion.current)")
    exit(ProcessExitCode.ok)
case "help", "--help", "-h":
    print(Usage.text)
    exit(ProcessExitCode.ok)
default:
    Console.error("switchyard: unknown command '\(command)'\n\n\(Usage.text)\n")
    exit(ProcessExitCode.fatalConfiguration)
}
