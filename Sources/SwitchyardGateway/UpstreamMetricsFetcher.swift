import SwitchyardCoordination
import SwitchyardUpstream

/// Fetches model servers' `/metrics` pages for the ``MetricsScraper`` on the worker's pooled upstream client:
/// a plain `GET` with its own total timeout, never through the completion path (no lease, no call, no metrics of
/// a proxied request). Bodies above ``maxBytes`` are abandoned as failures.
final class UpstreamMetricsFetcher: MetricsFetching {
    /// The largest page read (vLLM's, histograms included, is ~100 KiB per model).
    static let maxBytes = 8 << 20

    private let upstream: UpstreamClient
    /// Header lists by their lines, built once (a curl list is made per list).
    private var headerLists: [[String]: UpstreamHeaderList] = [:]
    /// Pages being read: transfers hold their handler weakly, so the fetcher keeps them until they finish.
    private var reading: [ObjectIdentifier: Page] = [:]

    init(upstream: UpstreamClient) {
        self.upstream = upstream
    }

    func fetchMetrics(url: String, headerLines: [String], timeout: Double, completion: @escaping ([UInt8]?) -> Void) {
        let headers: UpstreamHeaderList
        if let known = headerLists[headerLines] {
            headers = known
        } else {
            headers = UpstreamHeaderList(["Accept: text/plain"] + headerLines)
            headerLists[headerLines] = headers
        }
        let page = Page()
        let key = ObjectIdentifier(page)
        page.completion = { [weak self] body in
            self?.reading[key] = nil
            completion(body)
        }
        reading[key] = page
        page.transfer = upstream.start(UpstreamRequest(url: url, method: "GET", headers: headers, totalTimeout: timeout), handler: page)
    }

    /// One page being read.
    private final class Page: UpstreamResponseHandler {
        var completion: (([UInt8]?) -> Void)?
        private var status = 0
        private var body: [UInt8] = []
        var transfer: UpstreamTransfer?

        func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {
            status = head.status
        }

        func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
            guard body.count + bytes.count <= UpstreamMetricsFetcher.maxBytes else {
                // Cancelled transfers report nothing more: answer here.
                transfer?.cancel()
                finish(nil)
                return false
            }
            body.append(contentsOf: bytes)
            return true
        }

        func upstreamDidFinish(error: UpstreamError?) {
            finish(error == nil && status == 200 ? body : nil)
        }

        private func finish(_ result: [UInt8]?) {
            guard let completion else { return }
            self.completion = nil
            transfer = nil
            completion(result)
        }
    }
}
