import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Bad requests of every kind: each gets the JSON envelope with a 4xx status and a stable code.
@Suite("Bad input")
struct BadInputTests {
    enum Auth: Sendable { case none, full, scoped, wrong, huge }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let method: HTTPRequest.Method
        let uri: String
        var auth: Auth = .none
        var contentType: String?
        var body: Data?
        var range: String?
        let status: HTTPResponse.Status
        /// nil where NIO's HTTP parser answers before Herald sees the request (a request head
        /// over its 80 KB limit): a bare 400 that closes the connection.
        let code: String?

        var testDescription: String { name }
    }

    static let hash = String(repeating: "ab", count: 32)
    static let ambiguousPrefix = "abcdef012345"
    static let notAZip = Data("this is not a zip".utf8)

    static let cases: [Case] = [
        // Malformed ids and path traversal in every segment.
        Case(name: "upper-case product", method: .get, uri: "/api/v1/Private_Blog/", status: .badRequest, code: "invalid_product"),
        Case(name: "%2e%2e as product", method: .get, uri: "/api/v1/%2e%2e/", status: .badRequest, code: "invalid_product"),
        Case(name: "%2e%2e as channel", method: .get, uri: "/api/v1/private_blog/%2e%2e/", status: .badRequest, code: "invalid_channel"),
        Case(name: "%2e%2e as build", method: .get, uri: "/api/v1/private_blog/stable/%2e%2e/", status: .badRequest, code: "invalid_hash"),
        Case(name: "%2e%2e in history", method: .get, uri: "/api/v1/%2e%2e/stable/history/", status: .badRequest, code: "invalid_product"),
        Case(name: "%2e%2e as file hash", method: .get, uri: "/file/%2e%2e/x.zip", status: .badRequest, code: "invalid_hash"),
        Case(name: "%2e%2e as file name", method: .get, uri: "/file/\(hash)/%2e%2e", status: .badRequest, code: "invalid_file_name"),
        Case(name: "%2e%2e as download product", method: .get, uri: "/download/%2e%2e/1.0/x.zip", status: .badRequest, code: "invalid_product"),
        Case(name: "%2e%2e as download version", method: .get, uri: "/download/private_blog/%2e%2e/x.zip", status: .badRequest, code: "invalid_version"),
        Case(name: "%2e%2e as download file", method: .get, uri: "/download/private_blog/1.0/%2e%2e", status: .badRequest, code: "invalid_file_name"),
        Case(name: ".. as download file", method: .get, uri: "/download/private_blog/1.0/..", status: .badRequest, code: "invalid_file_name"),
        Case(name: "%2e%2e as removed hash", method: .delete, uri: "/api/v1/builds/%2e%2e", auth: .full, status: .badRequest, code: "invalid_hash"),
        Case(name: "%2e%2e as upload channel", method: .post, uri: "/api/v1/private_blog/%2e%2e/builds", auth: .full, body: notAZip, status: .badRequest, code: "invalid_channel"),
        Case(name: "%2f in product", method: .get, uri: "/api/v1/private%2fblog/", status: .badRequest, code: "invalid_product"),
        Case(name: "short hash prefix", method: .get, uri: "/api/v1/private_blog/stable/abcdef/", status: .badRequest, code: "invalid_hash"),
        Case(name: "upper-case file hash", method: .get, uri: "/file/\(hash.uppercased())/x.zip", status: .badRequest, code: "invalid_hash"),
        // Unknown things.
        Case(name: "unknown product", method: .get, uri: "/api/v1/nope/", status: .notFound, code: "unknown_product"),
        Case(name: "unknown channel", method: .get, uri: "/api/v1/private_blog/nope/", status: .notFound, code: "unknown_channel"),
        Case(name: "unknown build", method: .get, uri: "/api/v1/private_blog/stable/ffffffffffff/", status: .notFound, code: "unknown_build"),
        Case(name: "ambiguous prefix", method: .get, uri: "/api/v1/private_blog/stable/\(ambiguousPrefix)/", status: .badRequest, code: "ambiguous_build"),
        Case(name: "latest of an empty channel", method: .get, uri: "/api/v1/private_blog/beta/latest/", status: .notFound, code: "no_build"),
        Case(name: "unknown file", method: .get, uri: "/file/\(hash)/x.zip", status: .notFound, code: "unknown_build"),
        Case(name: "unknown download version", method: .get, uri: "/download/private_blog/9.9/x.zip", status: .notFound, code: "unknown_build"),
        Case(name: "get_latest of unknown product", method: .get, uri: "/api/get_latest?product_name=nope", status: .notFound, code: "unknown_product"),
        Case(name: "list_builds without channel", method: .get, uri: "/api/list_builds?product_name=private_blog", status: .badRequest, code: "invalid_channel"),
        Case(name: "unknown address", method: .get, uri: "/wp-admin/", status: .notFound, code: "not_found"),
        // Wrong methods.
        Case(name: "PATCH a product", method: .patch, uri: "/api/v1/private_blog/", status: .notFound, code: "not_found"),
        Case(name: "GET upload_build", method: .get, uri: "/api/upload_build", status: .notFound, code: "not_found"),
        Case(name: "DELETE the product list", method: .delete, uri: "/api/v1/", auth: .full, status: .notFound, code: "not_found"),
        // Tokens.
        Case(name: "upload without token", method: .post, uri: "/api/v1/private_blog/stable/builds", body: notAZip, status: .unauthorized, code: "unauthorized"),
        Case(name: "upload with wrong token", method: .post, uri: "/api/v1/private_blog/stable/builds", auth: .wrong, body: notAZip, status: .unauthorized, code: "unauthorized"),
        Case(name: "upload out of scope", method: .post, uri: "/api/v1/private_blog/stable/builds", auth: .scoped, body: notAZip, status: .forbidden, code: "forbidden"),
        Case(name: "delete without token", method: .delete, uri: "/api/v1/builds/\(hash)", status: .unauthorized, code: "unauthorized"),
        Case(name: "channel change without token", method: .put, uri: "/api/v1/private_blog/custom/", status: .unauthorized, code: "unauthorized"),
        Case(name: "pin out of scope", method: .post, uri: "/api/v1/private_blog/stable/pin", auth: .scoped, status: .forbidden, code: "forbidden"),
        Case(name: "a 10 KB Authorization header", method: .post, uri: "/api/v1/private_blog/stable/builds", auth: .huge, body: notAZip, status: .unauthorized, code: "unauthorized"),
        // Bodies.
        Case(name: "a body that is not a zip", method: .post, uri: "/api/v1/private_blog/stable/builds", auth: .full, body: notAZip, status: .badRequest, code: "invalid_archive"),
        Case(name: "an empty body", method: .post, uri: "/api/v1/private_blog/stable/builds", auth: .full, body: Data(), status: .badRequest, code: "invalid_input"),
        Case(name: "a body over the limit", method: .post, uri: "/api/v1/private_blog/stable/builds", auth: .full, body: Data(count: 70_000), status: .contentTooLarge, code: "too_large"),
        Case(
            name: "truncated multipart", method: .post, uri: "/api/v1/private_blog/stable/builds", auth: .full,
            contentType: "multipart/form-data; boundary=xyz",
            body: Data("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.zip\"\r\n\r\nPK\u{3}\u{4}partial".utf8),
            status: .badRequest, code: "invalid_multipart"),
        Case(
            name: "multipart without a boundary", method: .post, uri: "/api/v1/private_blog/stable/builds", auth: .full,
            contentType: "multipart/form-data", body: notAZip, status: .badRequest, code: "invalid_multipart"),
        Case(
            name: "multipart without a file part", method: .post, uri: "/api/v1/private_blog/stable/builds", auth: .full,
            contentType: "multipart/form-data; boundary=xyz",
            body: Data("--xyz\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n1.0\r\n--xyz--\r\n".utf8),
            status: .badRequest, code: "invalid_multipart"),
        Case(name: "an invalid version field", method: .post, uri: "/api/v1/private_blog/stable/builds?version=1%200", auth: .full, body: zipWithoutVersion, status: .badRequest, code: "invalid_version"),
        Case(name: "a zip with no version anywhere", method: .post, uri: "/api/v1/private_blog/stable/builds", auth: .full, body: zipWithoutVersion, status: .badRequest, code: "missing_version"),
        Case(name: "an invalid file_name", method: .post, uri: "/api/v1/private_blog/stable/builds?version=1.0&file_name=..%2Fx.zip", auth: .full, body: zipWithoutVersion, status: .badRequest, code: "invalid_file_name"),
        Case(name: "malformed JSON", method: .post, uri: "/api/check_for_update/", contentType: "application/json", body: Data("{\"product_name\":".utf8), status: .badRequest, code: "invalid_input"),
        Case(name: "a JSON array", method: .post, uri: "/api/check_for_update/", contentType: "application/json", body: Data("[1,2]".utf8), status: .badRequest, code: "invalid_input"),
        Case(name: "a product without a name", method: .put, uri: "/api/v1/new_plugin/", auth: .full, contentType: "application/json", body: Data("{}".utf8), status: .badRequest, code: "invalid_input"),
        // Fields.
        Case(name: "invalid UTF-8 in a query", method: .get, uri: "/api/get_latest?product_name=%FF%FE", status: .badRequest, code: "invalid_product"),
        Case(name: "a 60 KB query string", method: .get, uri: "/api/check_for_update/?product_name=" + String(repeating: "a", count: 60_000), status: .badRequest, code: "invalid_product"),
        Case(name: "a 100 KB query string", method: .get, uri: "/api/check_for_update/?product_name=" + String(repeating: "a", count: 100_000), status: .requestHeaderFieldsTooLarge, code: "headers_too_large"),
        Case(name: "check without product", method: .get, uri: "/api/check_for_update/", status: .badRequest, code: "invalid_product"),
        Case(name: "check with a bad channel", method: .get, uri: "/api/check_for_update/?product_name=private_blog&release_channel=Stable", status: .badRequest, code: "invalid_channel"),
        Case(name: "check with a bad version", method: .get, uri: "/api/check_for_update/?product_name=private_blog&current_product_version=1%200", status: .badRequest, code: "invalid_version"),
        Case(name: "a bad cursor", method: .get, uri: "/api/v1/private_blog/stable/?cursor=garbage", status: .badRequest, code: "invalid_input"),
        Case(name: "a zero limit", method: .get, uri: "/api/v1/private_blog/stable/?limit=0", status: .badRequest, code: "invalid_input"),
        // Channel rules.
        Case(name: "alias to itself", method: .put, uri: "/api/v1/private_blog/stable/", auth: .full, contentType: "application/json", body: Data("{\"alias_for\":\"stable\"}".utf8), status: .badRequest, code: "alias_cycle"),
        Case(name: "alias to a missing channel", method: .put, uri: "/api/v1/private_blog/custom/", auth: .full, contentType: "application/json", body: Data("{\"alias_for\":\"missing\"}".utf8), status: .notFound, code: "unknown_channel"),
        Case(name: "delete an aliased channel", method: .delete, uri: "/api/v1/private_blog/base/", auth: .full, status: .conflict, code: "channel_in_use"),
        Case(name: "delete a core channel", method: .delete, uri: "/api/v1/private_blog/stable/", auth: .full, status: .badRequest, code: "channel_is_core"),
        Case(name: "a range past the end", method: .get, uri: "/file/\(ambiguousPrefix + String(repeating: "1", count: 52))/x.zip", range: "bytes=5-", status: .rangeNotSatisfiable, code: "range_not_satisfiable"),
        Case(
            name: "a byte over 0x7F in a part header", method: .post, uri: "/api/v1/private_blog/stable/builds", auth: .full,
            contentType: "multipart/form-data; boundary=xyz",
            body: Data("--xyz\r\n".utf8) + Data([0xFF, 0xFE]) + Data(": x\r\n\r\nabc\r\n--xyz--\r\n".utf8),
            status: .badRequest, code: "invalid_multipart"),
        Case(name: "a zip whose directory points past the file", method: .post, uri: "/api/v1/private_blog/stable/builds?version=1.0", auth: .full, body: zip64Bomb, status: .badRequest, code: "invalid_archive"),
        Case(name: "a channel id the API reserves", method: .post, uri: "/api/v1/private_blog/settings/builds", auth: .full, body: validZip, status: .badRequest, code: "invalid_input"),
        Case(name: "pin an unknown build", method: .post, uri: "/api/v1/private_blog/stable/pin", auth: .full, contentType: "application/json", body: Data("{\"build\":\"ffffffffffff\"}".utf8), status: .notFound, code: "unknown_build"),
        Case(name: "roll back with nothing before", method: .post, uri: "/api/v1/private_blog/development/rollback", auth: .full, status: .conflict, code: "nothing_to_roll_back"),
        Case(name: "remove_build without a hash", method: .post, uri: "/api/remove_build", auth: .full, status: .badRequest, code: "invalid_hash"),
    ]

    /// An end-of-directory record whose zip64 fields point far past the file.
    static var zip64Bomb: Data {
        var bytes: [UInt8] = [0x50, 0x4b, 0x06, 0x06] + [UInt8](repeating: 0xFF, count: 52)
        bytes += [0x50, 0x4b, 0x06, 0x07, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 0, 0]
        bytes += [0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0xFF, count: 8) + [0, 0]
        return Data(bytes)
    }

    static var zipWithoutVersion: Data { (try? PluginZip.make(version: nil)) ?? Data() }

    static var validZip: Data { (try? PluginZip.make()) ?? Data() }

    @Test("Each bad request gets its status and code, never a 5xx", arguments: cases)
    func badRequest(_ testCase: Case) async throws {
        try await TestServer.run(maxUpload: 64 * 1024) { server in
            try await Self.prepare(server)
            var headers: HTTPFields = [:]
            switch testCase.auth {
            case .none: break
            case .full: headers[.authorization] = "Bearer \(server.token)"
            case .scoped: headers[.authorization] = "Bearer \(server.scopedToken)"
            case .wrong: headers[.authorization] = "Bearer hrld_0000"
            case .huge: headers[.authorization] = "Bearer " + String(repeating: "x", count: 10_240)
            }
            if let contentType = testCase.contentType { headers[.contentType] = contentType }
            if let range = testCase.range { headers[.range] = range }
            try await server.client.execute(
                uri: testCase.uri, method: testCase.method, headers: headers, body: testCase.body.map { ByteBuffer(bytes: $0) }
            ) { response in
                #expect(response.status == testCase.status)
                guard testCase.code != nil else { return }
                let body = try envelope(response)
                #expect(response.status == testCase.status, "\(body)")
                #expect(body.errorCode == testCase.code, "\(body)")
                #expect(body["response"] is NSNull)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
    }


    @Test("The same build deleted twice at once: one succeeds, the other finds nothing")
    func concurrentDelete() async throws {
        try await TestServer.run { server in
            let zip = try PluginZip.make(version: "1.0")
            #expect(try await server.upload(zip).0 == .created)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await server.client.execute(
                            uri: "/api/v1/builds/\(PluginZip.sha256(zip))", method: .delete, headers: server.headers()
                        ) { $0.status }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted { $0.code < $1.code } == [.ok, .notFound])
        }
    }

    /// Two builds sharing a 12-character prefix, and a custom channel that aliases beta.
    static func prepare(_ server: TestServer) async throws {
        for suffix in ["1", "2"] {
            let build = Build(
                hash: try BuildHash(validating: ambiguousPrefix + String(repeating: suffix, count: 52)), md5: String(repeating: "0", count: 32),
                product: TestServer.product, version: try Version(validating: "0.\(suffix)"), channel: .stable, timestamp: 1,
                size: 1, fileName: try FileName(validating: "x.zip"))
            try await server.store.publish(build, actor: "test")
        }
        let base = try ChannelID(validating: "base")
        _ = try await server.store.saveChannel(base, of: TestServer.product, settings: ChannelSettings())
        _ = try await server.store.saveChannel(
            try ChannelID(validating: "follower"), of: TestServer.product, settings: ChannelSettings(aliasFor: .some(base)))
    }
}
