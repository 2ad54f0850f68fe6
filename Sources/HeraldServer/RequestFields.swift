import Foundation
import HeraldCore
import HeraldDocuments
import HeraldFormats
import Hummingbird
import HummingbirdCore

/// The named fields of a request, from its query string and, for POST, from a form
/// (`application/x-www-form-urlencoded`) or JSON object body. Seed 000's methods and
/// check_for_update accept all three.
struct RequestFields: Sendable {
    /// The fields in the order sent, query first; a later one of the same name wins. A nil
    /// value is a JSON body's `null`: present, without a value. A request holds a few fields,
    /// read a few times each, so a list is quicker to make and to search than a dictionary.
    private var fields: [(name: String, value: String?)] = []

    /// The largest form or JSON body read; these bodies hold a few short fields.
    static let bodyLimit = 64 * 1024

    init(query request: Request) {
        self.init(uri: request.uri)
    }

    /// The query fields of `uri`.
    init(uri: URI) {
        self.init(queryString: uri.query.map { $0[...] } ?? "")
    }

    /// The fields of a query string (what follows `?`, without any `#` fragment): `name=value`
    /// pairs split on `&`, the value percent-decoded (or kept as sent when its encoding is
    /// broken), a name without `=` present with an empty value; the last of a repeated name wins.
    init(queryString query: Substring) {
        fields = FormFields.query(query).map { ($0.name, $0.value) }
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
    func contains(_ name: String) -> Bool { fields.contains { $0.name == name } }

    /// A field's value; empty counts as absent.
    subscript(_ name: String) -> String? {
        guard let field = fields.last(where: { $0.name == name }), let value = field.value, !value.isEmpty else { return nil }
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
        do {
            fields += try JSONFields.read(data)
        } catch {
            throw HeraldError.invalidInput(error.reason)
        }
    }

    private mutating func merge(form text: String) throws {
        do throws(FormFields.BadEncoding) {
            fields += try FormFields.form(text[...]).map { ($0.name, $0.value) }
        } catch {
            guard let field = error.field else { throw HeraldError.invalidInput("the form body has a badly encoded field name") }
            throw HeraldError.invalidInput("the form field \(quoted(field)) is badly encoded")
        }
    }
}

/// A request's fields where some hold lists: from the query, then a JSON object (a list as
/// an array of strings, or one string) or a form body, which win (a list's items in a string
/// split on commas, spaces and new lines, its repeated fields joined). JSON values of other
/// types are left out, as a client's extra fields are ignored.
struct ListFields: Sendable {
    private var texts: [String: String] = [:]
    private var lists: [String: [String]] = [:]

    /// `lists` names the fields that hold lists; `limit` is the largest body read.
    static func read(_ request: inout Request, lists names: Set<String>, limit: Int = RequestFields.bodyLimit) async throws -> ListFields {
        var fields = ListFields()
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw HeraldError.tooLarge(limit: Int64(limit))
        }
        let split = { (text: String) in text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init) }
        func add(_ name: String, _ value: String) {
            if names.contains(name) { fields.lists[name, default: []] += split(value) } else { fields.texts[name] = value }
        }
        for pair in FormFields.query((request.uri.query ?? "")[...]) { add(pair.name, pair.value) }
        guard body.readableBytes > 0 else { return fields }
        if request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true {
            guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
                throw HeraldError.invalidInput("the body must be a JSON object")
            }
            for (name, value) in object {
                if names.contains(name), let strings = value as? [String] {
                    fields.lists[name, default: []] += strings
                } else if let text = value as? String {
                    add(name, text)
                } else if names.contains(name), !(value is NSNull) {
                    throw HeraldError.invalidInput("\(name) must be a list of strings")
                }
            }
        } else {
            do throws(FormFields.BadEncoding) {
                for pair in try FormFields.form(String(buffer: body)[...]) { add(pair.name, pair.value) }
            } catch {
                throw HeraldError.invalidInput("the form field \(quoted(error.field ?? "")) is badly encoded")
            }
        }
        return fields
    }

    /// A text field's value; empty counts as absent.
    func text(_ name: String) -> String? {
        texts[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A list field's items, trimmed, empty ones left out.
    func list(_ name: String) -> [String] {
        (lists[name] ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
