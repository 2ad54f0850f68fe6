import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HeraldServer

@Suite("Request ids")
struct RequestLogTests {
    @Test("An answer carries the request's X-Request-Id, or a new one when it sent none or one that could forge a log line")
    func requestIDs() async throws {
        try await TestServer.run { server in
            let named: HTTPFields = [HTTPField.Name("X-Request-Id")!: "deploy-42.check_7"]
            for uri in ["/api/check_for_update?product_name=private_blog&channel=stable", "/api/v1/private_blog", "/api/v1/nosuch"] {
                let echoed = try await server.client.execute(uri: uri, method: .get, headers: named) { $0.headers[HTTPField.Name("X-Request-Id")!] }
                #expect(echoed == "deploy-42.check_7", "\(uri)")
                let made = try await server.client.execute(uri: uri, method: .get) { $0.headers[HTTPField.Name("X-Request-Id")!] }
                #expect(made.map { !$0.isEmpty && $0.utf8.count <= 16 } == true, "\(uri)")
            }
            let forged: HTTPFields = [HTTPField.Name("X-Request-Id")!: "a\"} {\"level\":\"error"]
            let replaced = try await server.client.execute(uri: "/api/v1/private_blog", method: .get, headers: forged) {
                $0.headers[HTTPField.Name("X-Request-Id")!]
            }
            #expect(replaced != nil && replaced?.contains("\"") == false)
        }
    }

    @Test("Ids are kept only when 1 to 128 of letters, digits and . _ : -")
    func idRule() {
        #expect(RequestLog.id(from: "abc-123:x_y.z") == "abc-123:x_y.z")
        #expect(RequestLog.id(from: String(repeating: "a", count: 129)) != String(repeating: "a", count: 129))
        #expect(RequestLog.id(from: "a b") != "a b")
        #expect(RequestLog.id(from: "") != "")
        #expect(RequestLog.id(from: nil) != RequestLog.id(from: nil))
    }
}
