/// The strategies this build implements, by configuration name: the factory every selector builds them with.
/// Each strategy gets the ``SelectorContext`` (loop clock, worker identity; later the Redis client).
package enum StrategyCatalog {
    /// Names with an implementation.
    package static let implemented: Set<String> = ["round_robin"]

    /// A new instance of the strategy called `name`, or nil when this build has none.
    package static func make(_ name: String, context: SelectorContext) -> ProviderStrategy? {
        switch name {
        case "round_robin": return RoundRobinStrategy()
        default: return nil
        }
    }
}
