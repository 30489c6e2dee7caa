/// Paths → named routes → a handler per method. Modules register their own routes (the OpenAI proxy, operator
/// endpoints, later builtin prompts and the admin API); the responder that owns the table only looks them up.
package final class RouteTable {
    /// Answers one request through its response handle.
    package typealias Handler = (HTTPRequest, HTTPServerResponse) -> Void

    /// The result of a lookup.
    package enum Match {
        /// A handler for the path and method; `route` names the route for logs and metrics.
        case found(route: String, handler: Handler)
        /// No route has this path.
        case notFound
        /// The path exists but not for this method; `allowed` lists its methods (HEAD where GET is).
        case methodNotAllowed(route: String, allowed: [String])
    }

    private struct Route {
        var name: String
        var methods: [String: Handler]
    }

    private var routes: [String: Route] = [:]
    /// Routes for every path under a prefix (`/admin/models/` for `/admin/models/{name}`), tried in registration
    /// order only when no exact path matches, so the proxy routes never pay for them.
    private var prefixRoutes: [(prefix: String, route: Route)] = []

    package init() {}

    /// Registers `handler` for `method` on `path` under the route name `name`. A later registration of the same
    /// path and method replaces the earlier one.
    package func add(_ path: String, name: String, method: String, _ handler: @escaping Handler) {
        routes[path, default: Route(name: name, methods: [:])].methods[method] = handler
    }

    /// Registers `handler` for `method` on every path that starts with `prefix` and goes on after it (the rest is
    /// the handler's to read), under the route name `name`.
    package func addPrefix(_ prefix: String, name: String, method: String, _ handler: @escaping Handler) {
        if let index = prefixRoutes.firstIndex(where: { $0.prefix == prefix }) {
            prefixRoutes[index].route.methods[method] = handler
        } else {
            prefixRoutes.append((prefix, Route(name: name, methods: [method: handler])))
        }
    }

    /// Whether `path` has a route.
    package func contains(_ path: String) -> Bool { routes[path] != nil }

    /// Finds the handler for `method` on `path`; HEAD is served by a GET handler (RFC 9110 §9.3.2).
    package func match(path: String, method: String) -> Match {
        guard let route = routes[path] ?? prefixRoutes.first(where: { path.count > $0.prefix.count && path.hasPrefix($0.prefix) })?.route else {
            return .notFound
        }
        if let handler = route.methods[method] { return .found(route: route.name, handler: handler) }
        if method == "HEAD", let handler = route.methods["GET"] { return .found(route: route.name, handler: handler) }
        let allowed = route.methods.keys.sorted() + (route.methods["GET"] != nil ? ["HEAD"] : [])
        return .methodNotAllowed(route: route.name, allowed: allowed)
    }
}
