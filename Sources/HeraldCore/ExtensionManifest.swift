import HeraldFormats
/// A product's extension (or skin), with the versions of the product it is ready for on each
/// channel: seed 000's `extension.yaml` (`name`, `premium`, `beta`, `stable`).
public struct ExtensionManifest: Hashable, Sendable {
    public var name: String
    public var premium: Bool
    /// The product versions this extension is ready for on beta, e.g. `5.3.x`; nil: none.
    public var beta: VersionTag?
    /// The product versions this extension is ready for on stable; nil: none.
    public var stable: VersionTag?

    public init(name: String, premium: Bool = false, beta: VersionTag? = nil, stable: VersionTag? = nil) {
        self.name = name
        self.premium = premium
        self.beta = beta
        self.stable = stable
    }
}

/// A tag of an extension manifest: `5.6.1` names that version alone; `5.3.x` names 5.3 and
/// every 5.3.anything (in version_compare's canonical form, so `5.3-1` is 5.3.1).
public struct VersionTag: Hashable, Sendable, CustomStringConvertible {
    public let text: String
    private let prefix: [String]?

    public init(validating text: String, field: String = "tag") throws(HeraldError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.utf8.count <= 64, trimmed.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .invalidInput("\(field) \(quoted(text)) is not a version tag such as 5.6.1 or 5.3.x")
        }
        self.text = trimmed
        if trimmed.lowercased().hasSuffix(".x") {
            let base = String(trimmed.dropLast(2))
            guard !base.isEmpty, !base.lowercased().hasSuffix(".x") else {
                throw .invalidInput("\(field) \(quoted(text)) is not a version tag such as 5.6.1 or 5.3.x")
            }
            prefix = VersionOrder.canonicalize(base).split(separator: ".").map(String.init)
        } else {
            prefix = nil
        }
    }

    /// True when `version` is the tagged version, or lies under a `.x` tag.
    public func matches(_ version: Version) -> Bool {
        guard let prefix else { return VersionOrder.compare(version.rawValue, text) == 0 }
        let parts = VersionOrder.canonicalize(version.rawValue).split(separator: ".").map(String.init)
        return parts.count >= prefix.count && Array(parts.prefix(prefix.count)) == prefix
    }

    public var description: String { text }
}
