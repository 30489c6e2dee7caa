/// The strategies this build implements, by configuration name.
package enum StrategyCatalog {
    /// Names with an implementation.
    package static let implemented: [String] = ["round_robin"]

    /// A new instance of the strategy called `name`, or nil when this build has none.
    package static func make(_ name: String) -> ProviderStrategy? {
        switch name {
        case "round_robin": return RoundRobinStrategy()
        default: return nil
        }
    }
}
