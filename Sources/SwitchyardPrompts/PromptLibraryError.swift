/// Why a prompt library cannot be used: every problem found, each `path:line: what is wrong` (a problem with no
/// line, such as a missing file or an unreadable directory, is `path: what is wrong`).
package struct PromptLibraryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems, in a stable order (by language, then file, then line).
    package var problems: [String]

    /// An error listing `problems`.
    package init(problems: [String]) {
        self.problems = problems
    }

    /// One problem per line.
    package var description: String { problems.joined(separator: "\n") }
}
