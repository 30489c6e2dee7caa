/// The one error type of the test support module: a message that says what went wrong and what to do.
package struct TestSupportError: Error, CustomStringConvertible {
    /// Human-readable explanation, shown by Swift Testing when a test throws.
    package let description: String

    /// Creates an error with `description`.
    package init(_ description: String) {
        self.description = description
    }
}
