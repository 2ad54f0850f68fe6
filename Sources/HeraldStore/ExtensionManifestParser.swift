import HeraldCore
import HeraldDocuments
import HeraldFormats

/// Reads seed 000's `extension.yaml` (JSON is YAML too): `name`, `premium`, `beta`, `stable`.
/// A malformed manifest is refused with the line and the reason.
public enum ExtensionManifestParser {
    /// `defaultName` names the extension when the manifest does not.
    public static func parse(_ text: String, source: String, defaultName: String) throws -> ExtensionManifest {
        let document: ManifestDocument
        do {
            document = try ManifestDocument(text: text)
        } catch {
            throw HeraldError.invalidInput("\(source): \(error.reason)")
        }
        var manifest = ExtensionManifest(name: defaultName)
        for field in document.fields {
            let at = "\(source), line \(field.line)"
            func scalar() throws -> String {
                guard let text = field.text else { throw HeraldError.invalidInput("\(at): \(field.key) must be a single value") }
                return text
            }
            switch field.key {
            case "name":
                manifest.name = try scalar().trimmingWhitespace()
                try Product.validateName(manifest.name, field: "\(at): name")
            case "premium":
                guard let flag = field.flag else { throw HeraldError.invalidInput("\(at): premium must be true or false") }
                manifest.premium = flag
            case "beta":
                manifest.beta = try VersionTag(validating: try scalar(), field: "\(at): beta")
            case "stable":
                manifest.stable = try VersionTag(validating: try scalar(), field: "\(at): stable")
            default:
                throw HeraldError.invalidInput("\(at): unknown field \(quoted(field.key)); expected name, premium, beta, stable")
            }
        }
        return manifest
    }
}
