/// The Switchyard release this binary was built from.
package enum SwitchyardVersion {
    package static let current = "0.1.0"
}
