import HeraldCore
import HeraldFormats
import Yams

/// Reads seed 000's `extension.yaml` (JSON is YAML too): `name`, `premium`, `beta`, `stable`.
/// A malformed manifest is refused with the line and the reason.
public enum ExtensionManifestParser {
    /// `defaultName` names the extension when the manifest does not.
    public static func parse(_ text: String, source: String, defaultName: String) throws -> ExtensionManifest {
        guard text.utf8.count <= 64 * 1024 else { throw HeraldError.invalidInput("\(source) is over 64 KiB") }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw HeraldError.invalidInput("\(source) is not valid YAML or JSON: \(Self.describe(error))")
        }
        guard let mapping = root?.mapping else {
            throw HeraldError.invalidInput("\(source), line 1: expected a mapping with name, premium, beta and stable")
        }
        var manifest = ExtensionManifest(name: defaultName)
        for (keyNode, value) in mapping {
            let line = keyNode.mark?.line ?? 1
            guard let key = keyNode.string else { throw HeraldError.invalidInput("\(source), line \(line): a key is not text") }
            func scalar() throws -> String {
                guard let text = value.scalar?.string, !text.isEmpty else {
                    throw HeraldError.invalidInput("\(source), line \(line): \(key) must be a single value")
                }
                return text
            }
            switch key {
            case "name":
                manifest.name = try scalar().trimmingWhitespace()
                try Product.validateName(manifest.name, field: "\(source), line \(line): name")
            case "premium":
                guard let flag = value.bool else { throw HeraldError.invalidInput("\(source), line \(line): premium must be true or false") }
                manifest.premium = flag
            case "beta":
                manifest.beta = try VersionTag(validating: try scalar(), field: "\(source), line \(line): beta")
            case "stable":
                manifest.stable = try VersionTag(validating: try scalar(), field: "\(source), line \(line): stable")
            default:
                throw HeraldError.invalidInput("\(source), line \(line): unknown field \(quoted(key)); expected name, premium, beta, stable")
            }
        }
        return manifest
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
