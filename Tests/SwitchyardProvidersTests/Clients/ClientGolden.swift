import Foundation
import SwitchyardCore
import SwitchyardProviders
import Testing

/// Golden files under Tests/Fixtures/clients. `SWITCHYARD_UPDATE_GOLDEN=1 swift test --filter Clients` rewrites
/// the expected files from the current output (review the diff before committing it).
enum ClientGolden {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/clients")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(name)))
    }

    /// Compares `actual` with the golden file `name` (or writes it when updating).
    static func expect(_ actual: [UInt8], matches name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = root.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["SWITCHYARD_UPDATE_GOLDEN"] == "1" {
            try Data(actual).write(to: url)
            return
        }
        let expected = [UInt8](try Data(contentsOf: url))
        #expect(String(decoding: actual, as: UTF8.self) == String(decoding: expected, as: UTF8.self), "golden \(name)", sourceLocation: sourceLocation)
    }

    /// `value` pretty enough for a golden file: compact JSON plus a newline.
    static func json(_ bytes: [UInt8]) -> [UInt8] { bytes + [0x0A] }
}

/// Runs a client transcoder over a whole stream fed in the given pieces, then finishes it.
func transcode(_ transcoder: ClientTranscoder, _ input: [UInt8], cuts: [Int]) -> [UInt8] {
    var out: [UInt8] = []
    var start = 0
    for cut in cuts + [input.count] where cut >= start {
        input[start..<cut].withUnsafeBytes { transcoder.transcode($0, into: &out) }
        start = cut
    }
    transcoder.finish(into: &out)
    return out
}

/// A fixed clock for Ollama's durations: every reading advances by 1 ms, so durations are deterministic.
final class SteppingClock: @unchecked Sendable {
    private var now: UInt64 = 0
    func read() -> UInt64 {
        now += 1_000_000
        return now
    }
}
