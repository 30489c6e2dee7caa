import SwitchyardCore
import SwitchyardHTTP
import SwitchyardIO
import SwitchyardRouting
import SwitchyardProviders
import SwitchyardUpstream
@testable import SwitchyardGateway

/// A manual clock: timers fire only when a test advances time.
final class ManualScheduler: CallScheduler {
    private(set) var now: UInt64 = 1_000
    private var timers: [(id: UInt64, at: UInt64, body: () -> Void)] = []
    private var deferred: [() -> Void] = []
    private var nextID: UInt64 = 1

    var pendingTimers: Int { timers.count }

    func schedule(afterNanoseconds nanoseconds: UInt64, _ body: @escaping () -> Void) -> TimerID {
        defer { nextID += 1 }
        timers.append((nextID, now + nanoseconds, body))
        return TimerID(raw: nextID)
    }

    func cancel(_ timer: TimerID) { timers.removeAll { $0.id == timer.raw } }

    func afterCurrentIteration(_ body: @escaping () -> Void) { deferred.append(body) }

    /// Moves the clock forward by `nanoseconds`, firing due timers in order.
    func advance(by nanoseconds: UInt64) {
        now += nanoseconds
        while let index = timers.indices.filter({ timers[$0].at <= now }).min(by: { timers[$0].at < timers[$1].at }) {
            let timer = timers.remove(at: index)
            timer.body()
        }
        runDeferred()
    }

    func runDeferred() {
        while !deferred.isEmpty {
            let work = deferred
            deferred = []
            work.forEach { $0() }
        }
    }
}

/// A transfer the test drives by hand.
final class FakeTransfer: UpstreamTransfer {
    let request: UpstreamRequest
    weak var handler: UpstreamResponseHandler?
    private(set) var cancelled = false
    private(set) var resumed = 0

    init(request: UpstreamRequest, handler: UpstreamResponseHandler) {
        self.request = request
        self.handler = handler
    }

    func cancel() { cancelled = true }
    func resume() { resumed += 1 }

    var bodyText: String { String(decoding: request.body, as: UTF8.self) }

    func head(_ status: Int, _ fields: [(String, String)] = [("Content-Type", "application/json")]) {
        handler?.upstreamDidReceiveHead(UpstreamResponseHead(status: status, headers: HTTPHeaders(fields)))
    }

    @discardableResult
    func body(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBytes { handler?.upstreamDidReceive($0) ?? true }
    }

    func finish(_ error: UpstreamError? = nil) { handler?.upstreamDidFinish(error: error) }

    /// A whole answer: head, body, end.
    func answer(_ status: Int, _ text: String, fields: [(String, String)] = [("Content-Type", "application/json")]) {
        head(status, fields)
        body(text)
        finish()
    }
}

/// Records every upstream request started.
final class FakeUpstream: UpstreamStarter {
    private(set) var transfers: [FakeTransfer] = []

    func start(_ request: UpstreamRequest, handler: UpstreamResponseHandler) -> UpstreamTransfer {
        let transfer = FakeTransfer(request: request, handler: handler)
        transfers.append(transfer)
        return transfer
    }

    var last: FakeTransfer { transfers[transfers.count - 1] }
}

/// Records what a call delivers.
final class RecordingSink: CallSink {
    enum Event: Equatable {
        case startStream(Int)
        case data(String)
        case finishStream(errorCode: String?)
        case answer(Int, String)
        case fail(Int, String)
    }

    var events: [Event] = []
    var headers = HTTPHeaders()
    var summary: CallSummary?
    var ends = 0
    var acceptMore = true

    func callDidStartStream(status: Int, headers: HTTPHeaders) {
        self.headers = headers
        events.append(.startStream(status))
    }
    func callDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        events.append(.data(String(decoding: bytes, as: UTF8.self)))
        return acceptMore
    }
    func callDidFinishStream(error: RouterError?) { events.append(.finishStream(errorCode: error?.code)) }
    func callDidAnswer(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.headers = headers
        events.append(.answer(status, String(decoding: body, as: UTF8.self)))
    }
    func callDidFail(_ error: RouterError) { events.append(.fail(error.status, error.code)) }
    func callDidEnd(_ summary: CallSummary) {
        self.summary = summary
        ends += 1
    }
}

/// A selector whose acquisitions wait until the test grants or denies them.
final class WaitingSelector: ProviderSelector {
    var waiters: [(ticket: LeaseTicket, waiter: LeaseWaiter)] = []
    var cancelled: [LeaseTicket] = []
    var released: [(ProviderLease, ProviderOutcome)] = []
    var drained = false
    private var next: UInt64 = 1

    func acquire(_ request: LeaseRequest, waiter: LeaseWaiter) -> LeaseAcquisition {
        if drained { return .refused(.serviceUnavailable("draining")) }
        defer { next += 1 }
        waiters.append((LeaseTicket(raw: next), waiter))
        return .pending(LeaseTicket(raw: next))
    }
    func cancel(_ ticket: LeaseTicket) { cancelled.append(ticket) }
    func release(_ lease: ProviderLease, outcome: ProviderOutcome) { released.append((lease, outcome)) }
    func reload(config: ModelsConfig) {}
    /// The fake keeps no queue of its own.
    var waitingRequests: [String: Int] { [:] }
    /// Like the real selectors, refuses the waits still open (their waiters hear 503), and later ones.
    func drain() {
        drained = true
        for (ticket, waiter) in waiters where !answered.contains(ticket) && !cancelled.contains(ticket) {
            answered.insert(ticket)
            waiter.leaseDenied(.serviceUnavailable("The router is shutting down; retry the request."))
        }
    }
    /// Tickets whose waiter was answered by ``drain()`` or marked by a test.
    var answered: Set<LeaseTicket> = []
}

/// One call wired to fakes, with a real in-memory selector over `models`.
struct CallHarness {
    let scheduler = ManualScheduler()
    let upstream = FakeUpstream()
    let sink = RecordingSink()
    let selector: ProviderSelector
    let context: CallContext
    let config: ModelsConfig

    static let budget: UInt64 = 10_000_000_000

    init(models: [ModelConfig], selector: ProviderSelector? = nil, budget: UInt64 = CallHarness.budget, memory: ByteBudget = ByteBudget(limit: 0)) {
        config = ModelsConfig(format: .llmRouter, models: models)
        let scheduler = self.scheduler
        let local = LocalProviderSelector(
            context: SelectorContext(now: { scheduler.now }, workerID: 1, pid: 1, defaultStrategy: "round_robin",
                                     isSupported: { $0.apiType != .bedrock }),
            config: config)
        self.selector = selector ?? local
        context = CallContext(scheduler: scheduler, upstream: upstream, selector: self.selector,
                              logger: Logger(level: .error, format: .plain, toStandardError: false), budget: budget, memory: memory)
        context.prepare(config)
    }

    /// Starts a call for `model` with `body` (a JSON object).
    @discardableResult
    func start(model: String = "m", body: String? = nil, stream: Bool = false, endpoint: EndpointKindAlias = .chatCompletions) -> UpstreamCall {
        let text = body ?? #"{"model":"\#(model)","stream":\#(stream),"messages":[]}"#
        let proxy = try! ProxyRequest.parse(Array(text.utf8)).get()
        let call = UpstreamCall(context: context, request: CallRequest(endpoint: endpoint, proxy: proxy, model: config.model(named: model)!, requestID: "r1"), sink: sink)
        call.start()
        return call
    }

    var liveLeases: Int { (selector as? LocalProviderSelector)?.liveLeases ?? -1 }
}

typealias EndpointKindAlias = SwitchyardProviders.EndpointKind

func provider(_ id: String, type: APIType = .vllm, path: String? = nil) -> ProviderConfig {
    ProviderConfig(id: id, apiHost: "http://\(id).internal.example:8000", apiType: type, modelPath: path ?? "served-\(id)")
}
