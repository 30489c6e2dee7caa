import SwitchyardCore
import SwitchyardSupervisor

/// The client keys file's bytes, validated, when `LLM_ROUTER_AUTH_ENABLED` is on (nil when off): what `serve`
/// checks at start (exit 2 on any problem) and `check-config` reports. Client keys on without a keys file is a
/// problem too: every request would be refused.
func readClientKeysFile(_ settings: Settings) -> Result<(bytes: [UInt8], keys: ClientKeys)?, ConfigError> {
    guard settings.authEnabled else { return .success(nil) }
    guard let path = settings.authKeysFile else {
        return .failure(ConfigError(file: nil, problems: [ConfigProblem(
            .root, "LLM_ROUTER_AUTH_ENABLED is true but no keys file is given: set LLM_ROUTER_AUTH_KEYS_FILE (or --auth-keys-file)")],
            what: "client keys configuration"))
    }
    do {
        let bytes = try ClientKeys.read(path: path)
        return .success((bytes, try ClientKeys.parse(bytes, file: path)))
    } catch {
        return .failure(error)
    }
}

/// The client keys file as a file each worker generation validates and receives as fd 8
/// (`SWITCHYARD_AUTH_KEYS_FD`): `initial` for the first generation, the file read again on every HUP (a file with
/// any problem rejects the reload; the previous keys stay in force).
func clientKeysGenerationFile(path: String, initial: [UInt8]) -> GenerationFile {
    GenerationFile(name: "auth-keys", what: "client keys file", fd: 8, environmentVariable: "SWITCHYARD_AUTH_KEYS_FD", initial: initial) {
        do throws(ConfigError) {
            let bytes = try ClientKeys.read(path: path)
            _ = try ClientKeys.parse(bytes, file: path)
            return .success(bytes)
        } catch {
            return .failure(GenerationFile.Invalid(problems: error.description))
        }
    }
}
