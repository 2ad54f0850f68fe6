import Yams

/// The top-level fields of seed 000's `extension.yaml` (JSON is YAML too), as written and with
/// their lines; what the fields must hold is the caller's to check.
public struct ManifestDocument: Sendable, Equatable {
    /// One `key: value` of the top mapping.
    public struct Field: Sendable, Equatable {
        public let key: String
        public let line: Int
        /// The value when it is a non-empty scalar.
        public let text: String?
        /// The value read as YAML reads a boolean (`true`, `false`, `yes`, `no`, ...).
        public let flag: Bool?
    }

    public let fields: [Field]

    /// The largest manifest read.
    public static let sizeLimit = 64 * 1024

    public init(text: String) throws(DocumentError) {
        guard text.utf8.count <= Self.sizeLimit else { throw DocumentError("it is over 64 KiB") }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw DocumentError("it is not valid YAML or JSON: \(Self.describe(error))")
        } catch {
            throw DocumentError("it is not valid YAML or JSON")
        }
        guard let mapping = root?.mapping else {
            throw DocumentError("line 1: expected a mapping with name, premium, beta and stable")
        }
        var fields: [Field] = []
        for (keyNode, value) in mapping {
            let line = keyNode.mark?.line ?? 1
            guard let key = keyNode.string else { throw DocumentError("line \(line): a key is not text") }
            let text = value.scalar?.string
            fields.append(Field(key: key, line: line, text: text?.isEmpty == false ? text : nil, flag: value.bool))
        }
        self.fields = fields
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            "line \(mark.line): \(problem)"
        default:
            String(describing: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "unreadable"
        }
    }
}
