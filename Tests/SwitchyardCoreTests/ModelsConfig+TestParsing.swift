import Testing
@testable import SwitchyardCore

/// Parses `json`, failing the test with the problems when it does not load.
func parse(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ModelsConfig {
    do {
        return try ModelsConfig.parse(Array(json.utf8))
    } catch {
        Issue.record("unexpected problems:\n\(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The problems `json` yields (empty when it loads).
func problems(_ json: String) -> [ConfigProblem] {
    do {
        _ = try ModelsConfig.parse(Array(json.utf8))
        return []
    } catch {
        return error.problems
    }
}
