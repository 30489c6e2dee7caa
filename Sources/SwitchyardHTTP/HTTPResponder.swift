/// Answers requests. One method, like Hummingbird's responder: middleware wraps it, routing lives behind it.
package protocol HTTPResponder: AnyObject {
    /// Called on the loop thread for each complete request, in order; the next pipelined request on the same
    /// connection waits until `response` is finished.
    func respond(to request: HTTPRequest, response: HTTPServerResponse)
}
