import Foundation
import HeraldCore
import Hummingbird
import HummingbirdCore

/// The named fields of a request, from its query string and, for POST, from a form
/// (`application/x-www-form-urlencoded`) or JSON object body. Seed 000's methods and
/// check_for_update accept all three.
struct RequestFields: Sendable {
    private var values: [String: String] = [:]
    private var present: Set<String> = []

    /// The largest form or JSON body read; these bodies hold a few short fields.
    static let bodyLimit = 64 * 1024

    init(query request: Request) {
        self.init(uri: request.uri)
    }

    /// The query fields of `uri`.
    init(uri: URI) {
        for (key, value) in uri.queryParameters {
            values[String(key)] = String(value)
            present.insert(String(key))
        }
    }

    /// The query fields, then the body's, which win.
    static func read(_ request: inout Request, context: some RequestContext) async throws -> RequestFields {
        var fields = RequestFields(query: request)
        guard request.method == .post || request.method == .put else { return fields }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: bodyLimit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw HeraldError.tooLarge(limit: Int64(bodyLimit))
        }
        guard body.readableBytes > 0 else { return fields }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if contentType.hasPrefix("application/json") {
            try fields.merge(json: Data(buffer: body))
        } else {
            try fields.merge(form: String(buffer: body))
        }
        return fields
    }

    /// True when the field was sent, even empty or `null`.
    func contains(_ name: String) -> Bool { present.contains(name) }

    /// A field's value; empty counts as absent.
    subscript(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// A true/false field (`true`, `1`, `yes` / `false`, `0`, `no`); nil when absent.
    func flag(_ name: String) throws -> Bool? {
        guard let value = self[name] else { return nil }
        switch value.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw HeraldError.invalidInput("\(name) \(quoted(value)) is invalid: true or false")
        }
    }

    private mutating func merge(json data: Data) throws {
        let object: [String: JSONField]
        do {
            object = try JSONDecoder().decode([String: JSONField].self, from: data)
        } catch {
            throw HeraldError.invalidInput("the body must be a JSON object whose fields are strings, numbers or booleans")
        }
        for (key, field) in object {
            values[key] = field.text
            present.insert(key)
        }
    }

    /// One JSON field's value as text.
    private struct JSONField: Decodable {
        let text: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                text = nil
            } else if let string = try? container.decode(String.self) {
                text = string
            } else if let flag = try? container.decode(Bool.self) {
                text = flag ? "true" : "false"
            } else if let integer = try? container.decode(Int64.self) {
                text = String(integer)
            } else {
                text = String(try container.decode(Double.self))
            }
        }
    }

    private mutating func merge(form text: String) throws {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decodeFormComponent(parts[0]) else {
                throw HeraldError.invalidInput("the form body has a badly encoded field name")
            }
            guard let value = decodeFormComponent(parts.count > 1 ? parts[1] : "") else {
                throw HeraldError.invalidInput("the form field \(quoted(key)) is badly encoded")
            }
            values[key] = value
            present.insert(key)
        }
    }

    private func decodeFormComponent(_ component: Substring) -> String? {
        String(component).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
