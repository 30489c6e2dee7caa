import SwitchyardUpstream

/// Starts upstream exchanges: the worker's pooled ``UpstreamClient``, or a scripted fake in tests.
protocol UpstreamStarter: AnyObject {
    /// Starts `request`; `handler` hears about the response, never before this returns.
    func start(_ request: UpstreamRequest, handler: UpstreamResponseHandler) -> UpstreamTransfer
}

extension UpstreamClient: UpstreamStarter {}
