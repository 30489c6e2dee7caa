import SwitchyardCore

/// Reads the models configuration file named by the settings once and validates it: the exact bytes, which the
/// supervisor hands to every worker of the first generation, and what they configure. nil in demo mode. Every
/// problem is logged when the file is invalid.
func readModelsFile(_ settings: Settings, logger: Logger) -> Result<(bytes: [UInt8], config: ModelsConfig)?, ConfigError> {
    guard let path = settings.modelsConfigPath else { return .success(nil) }
    do {
        let bytes = try ModelsConfig.read(path: path)
        return .success((bytes, try ModelsConfig.parse(bytes, file: path)))
    } catch {
        logger.error("invalid models configuration", [("file", .string(path)), ("problems", .string(error.description))])
        logger.flush()
        return .failure(error)
    }
}
