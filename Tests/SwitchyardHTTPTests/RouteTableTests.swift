import Testing
@testable import SwitchyardHTTP

@Suite("Route table")
struct RouteTableTests {
    private func name(_ match: RouteTable.Match) -> String {
        switch match {
        case .found(let route, _): "found \(route)"
        case .notFound: "not found"
        case .methodNotAllowed(let route, let allowed): "\(route) allows \(allowed.joined(separator: ","))"
        }
    }

    @Test("prefix routes answer paths under their prefix, after exact paths, with their own methods")
    func prefixRoutes() {
        let table = RouteTable()
        table.add("/admin/models", name: "admin_models", method: "GET") { _, _ in }
        table.addPrefix("/admin/models/", name: "admin_model", method: "GET") { _, _ in }
        table.addPrefix("/admin/models/", name: "admin_model", method: "DELETE") { _, _ in }
        #expect(name(table.match(path: "/admin/models", method: "GET")) == "found admin_models")
        #expect(name(table.match(path: "/admin/models/team/chat", method: "DELETE")) == "found admin_model")
        #expect(name(table.match(path: "/admin/models/x", method: "HEAD")) == "found admin_model")
        #expect(name(table.match(path: "/admin/models/x", method: "POST")) == "admin_model allows DELETE,GET,HEAD")
        // The bare prefix has nothing after it: not a model path.
        #expect(name(table.match(path: "/admin/models/", method: "GET")) == "not found")
        #expect(name(table.match(path: "/admin/modelsx", method: "GET")) == "not found")
    }
}
