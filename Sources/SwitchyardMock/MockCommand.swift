import Glibc
import SwitchyardIO

/// `switchyard mock`: parse options, bind, print the address, serve forever.
///
/// Exit status: 0 after `--help`, 1 if the loop or socket cannot be set up, 2 for bad arguments.
/// SIGTERM and SIGINT end the process (their default disposition, restored here in case the caller blocked them).
package enum MockCommand {
    /// Runs the command with the arguments after `mock`; returns only on `--help` or an error.
    package static func run(arguments: [String]) -> Int32 {
        let options: MockOptions
        do {
            options = try MockOptions.parse(arguments: arguments)
        } catch MockError.helpRequested {
            writeLine(STDOUT_FILENO, MockOptions.helpText)
            return 0
        } catch {
            writeLine(STDERR_FILENO, "switchyard mock: \(error)\nTry 'switchyard mock --help'.")
            return 2
        }

        restoreDefaultSignals()
        let loop: EventLoop
        let server: MockServer
        let port: Int
        do {
            loop = try EventLoop()
            let fd = try Socket.listen(host: options.host, port: options.port)
            port = try Socket.localPort(fd)
            server = MockServer(loop: loop, options: options)
            try server.start(listeningSocket: fd)
        } catch {
            writeLine(STDERR_FILENO, "switchyard mock: cannot listen on \(options.host):\(options.port): \(error)")
            return 1
        }
        let host = options.host.contains(":") && !options.host.hasPrefix("[") ? "[\(options.host)]" : options.host
        writeLine(STDOUT_FILENO, "listening on http://\(host):\(port)")
        withExtendedLifetime(server) { loop.run() }
        return 0
    }

    /// Unblocks SIGTERM/SIGINT and restores their default action, so killing the mock always works even when
    /// the caller blocked them for a signalfd (signal(7): the mask is per thread and inherited).
    private static func restoreDefaultSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
        // Writes use MSG_NOSIGNAL, but ignore SIGPIPE anyway so a vanished stdout reader cannot kill us.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes `text` and a newline straight to `fd` (unbuffered, so no flush is needed before the loop blocks).
    private static func writeLine(_ fd: Int32, _ text: String) {
        let bytes = Array((text + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
