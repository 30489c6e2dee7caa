import SwitchyardTestSupport

/// New connections made one after another, each asking `GET /health` and then a chat completion for `model` on
/// the same connection, every read and write bounded by a timeout: which workers served, and what did not.
///
/// A connection the kernel queues in a socket nobody accepts from any more shows up as a failure that timed
/// out, instead of hanging the test.
struct ConnectionSurvey: CustomStringConvertible {
    /// The worker behind each connection that got a 200 for both requests.
    var served: [WorkerHealth] = []
    /// One line per connection that did not: refused, reset, timed out or answered with another status.
    var failures: [String] = []

    /// Makes `connections` new connections to `port`; `timeout` bounds each send and receive.
    static func run(port: Int, connections: Int = 20, timeout: Double = 3, model: String = "chat-model") -> ConnectionSurvey {
        var survey = ConnectionSurvey()
        for index in 1...connections {
            do {
                let client = try RawHTTPClient(port: port, timeout: timeout)
                try client.send(RawHTTPClient.request("GET", "/health"))
                let worker = try WorkerHealth(client.readResponse())
                try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", headers: [("Connection", "close")], body: RequestBody.chat(model: model)))
                let chat = try client.readResponse()
                if chat.status == 200 {
                    survey.served.append(worker)
                } else {
                    survey.failures.append("connection \(index): \(worker) answered \(chat.status) \(chat.text.prefix(200))")
                }
            } catch {
                survey.failures.append("connection \(index): \(error)")
            }
        }
        return survey
    }

    var description: String {
        "\(served.count) served by \(Set(served)), \(failures.count) failed: \(failures.prefix(5))"
    }
}
