import Foundation
import SwitchyardTestSupport
import Testing
@testable import SwitchyardPrompts

@Suite("Prompt library: where it is looked for")
struct PromptLibraryDirectoryTests {
    @Test("a configured directory wins, whatever exists")
    func configuredWins() {
        #expect(PromptLibrary.directory(configured: "/etc/switchyard/prompts", executable: "/usr/local/bin/switchyard") == "/etc/switchyard/prompts")
    }

    @Test("the install layout is <prefix>/share/switchyard/prompts for <prefix>/bin/switchyard")
    func installLayout() {
        #expect(PromptLibrary.installedDirectory(executable: "/usr/local/bin/switchyard") == "/usr/local/share/switchyard/prompts")
        #expect(PromptLibrary.installedDirectory(executable: "/opt/sy/bin/switchyard") == "/opt/sy/share/switchyard/prompts")
        #expect(PromptLibrary.installedDirectory(executable: "bin/switchyard") == "./share/switchyard/prompts")
        #expect(PromptLibrary.installedDirectory(executable: "/switchyard") == nil)
        #expect(PromptLibrary.installedDirectory(executable: "switchyard") == nil)
    }

    @Test("unconfigured, the install layout is used when it exists, else resources/prompts in the current directory")
    func defaultResolution() throws {
        let prefix = try TemporaryDirectory(prefix: "switchyard-prefix")
        let executable = prefix.file("bin/switchyard")

        #expect(PromptLibrary.directory(configured: nil, executable: executable) == "resources/prompts")

        try FileManager.default.createDirectory(atPath: prefix.file("share/switchyard/prompts"), withIntermediateDirectories: true)
        #expect(PromptLibrary.directory(configured: nil, executable: executable) == prefix.file("share/switchyard/prompts"))
        #expect(PromptLibrary.directory(configured: "", executable: executable) == prefix.file("share/switchyard/prompts"))
    }
}
