import Foundation
import SwitchyardTestSupport
import Testing
@testable import SwitchyardPrompts

/// A prompt library written to a fresh temporary directory, removed with it.
final class PromptFixture {
    /// The temporary directory holding `<lang>/<name>.prompt` files.
    let directory: TemporaryDirectory
    /// Its path, where problem messages start.
    var path: String { directory.path }

    /// Writes `files`, keyed by path relative to the directory (`"en/translate.prompt"`).
    init(_ files: [String: String]) throws {
        directory = try TemporaryDirectory(prefix: "switchyard-prompts")
        for (name, text) in files { try write(Data(text.utf8), to: name) }
    }

    /// Writes (or replaces) `bytes` at `name`, creating its language directory.
    func write(_ bytes: Data, to name: String) throws {
        let target = URL(fileURLWithPath: directory.file(name))
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.write(to: target)
    }

    /// The library loaded from the directory, failing the test with the problems when it does not load.
    func library(sourceLocation: SourceLocation = #_sourceLocation) throws -> PromptLibrary {
        try PromptLibrary.load(directory: path).mapError { error -> PromptLibraryError in
            Issue.record("unexpected problems:\n\(error)", sourceLocation: sourceLocation)
            return error
        }.get()
    }

    /// The problems loading the directory reports (empty when it loads), with the directory shown as `DIR`.
    func problems() -> [String] {
        switch PromptLibrary.load(directory: path) {
        case .success: []
        case .failure(let error): error.problems.map { $0.replacingOccurrences(of: path, with: "DIR") }
        }
    }

    /// The text of a prompt file declaring `placeholders`, with `system` (if any) and `user` parts.
    static func prompt(_ placeholders: String, system: String? = nil, user: String) -> String {
        var text = "placeholders: \(placeholders)\n"
        if let system { text += "--- system\n\(system)\n" }
        return text + "--- user\n\(user)\n"
    }

    /// The checkout's shipped library, `resources/prompts`.
    static var shipped: String { ManagedProcess.shippedPrompts }
}
