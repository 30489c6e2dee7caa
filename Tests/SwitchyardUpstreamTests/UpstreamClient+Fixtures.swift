import SwitchyardIO
@testable import SwitchyardUpstream

extension UpstreamClient {
    /// A client on `loop` that sends `http://127.0.0.1` requests through `kind`.
    static func make(loop: EventLoop, kind: ClientKind) -> UpstreamClient {
        UpstreamClient(loop: loop, configuration: .init(connectTimeout: 5, firstByteTimeout: 10, idleTimeout: 10, totalTimeout: 10, builtInHTTP1: kind == .builtIn))
    }
}

extension UpstreamRequest {
    /// A small JSON POST to `path` on 127.0.0.1:`port`.
    static func make(port: Int, path: String = "/v1/chat/completions", body: String = #"{"model":"m"}"#) -> UpstreamRequest {
        UpstreamRequest(url: "http://127.0.0.1:\(port)\(path)", headers: UpstreamHeaderList(["Content-Type: application/json"]), body: Array(body.utf8))
    }
}
