import SwitchyardCore

/// Reads the models configuration named by the settings (nil in demo mode), logging every problem when it is
/// invalid. Used by the supervisor before it binds and by each worker when it starts.
func loadModelsConfig(_ settings: Settings, logger: Logger) -> Result<ModelsConfig?, ConfigError> {
    guard let path = settings.modelsConfigPath else { return .success(nil) }
    do {
        return .success(try ModelsConfig.load(path: path))
    } catch {
        logger.error("invalid models configuration", [("file", .string(path)), ("problems", .string(error.description))])
        logger.flush()
        return .failure(error)
    }
}
