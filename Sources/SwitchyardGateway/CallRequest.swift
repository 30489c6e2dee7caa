import SwitchyardCore
import SwitchyardProviders
import SwitchyardRouting

/// What one upstream call sends: the client's body (scanned once), the endpoint, the model it resolved to.
struct CallRequest {
    var endpoint: EndpointKind
    var body: [UInt8]
    var scan: JSONObjectScan
    /// The model name the client used (replies carry it).
    var clientModel: String
    /// The client asked for a stream.
    var stream: Bool
    /// The resolved model (head of the fallback chain).
    var model: ModelConfig
    var requestID: String
    /// Place in the model's wait queue (`x-priority`).
    var priority: LeasePriority

    init(endpoint: EndpointKind, proxy: ProxyRequest, model: ModelConfig, requestID: String, priority: LeasePriority = .normal) {
        self.endpoint = endpoint
        self.body = proxy.body
        self.scan = proxy.scan
        self.clientModel = proxy.model
        self.stream = proxy.stream
        self.model = model
        self.requestID = requestID
        self.priority = priority
    }
}
