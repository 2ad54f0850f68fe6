import Foundation

/// A request body's JSON object whose values are strings, numbers, booleans or null, as named
/// text fields (nil for `null`), in no particular order.
public enum JSONFields {
    public static func read(_ data: Data) throws(DocumentError) -> [(name: String, value: String?)] {
        let object: [String: Field]
        do {
            object = try JSONDecoder().decode([String: Field].self, from: data)
        } catch {
            throw DocumentError("the body must be a JSON object whose fields are strings, numbers or booleans")
        }
        return object.map { ($0.key, $0.value.text) }
    }

    /// One field's value as text.
    private struct Field: Decodable {
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
}
