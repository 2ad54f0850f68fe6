import HeraldFormats
/// Something a vendor ships: a WordPress plugin, a WordPress theme or a desktop app.
public struct Product: Hashable, Sendable {
    /// What kind of software this is; it decides which update APIs describe the product.
    public enum Kind: String, Hashable, Sendable, CaseIterable, Codable {
        case plugin
        case theme
        case app

        /// The kind named `value`, or an error that lists the kinds.
        public init(validating value: String) throws(HeraldError) {
            guard let kind = Kind(rawValue: value) else {
                let kinds = Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidInput("kind \(quoted(value)) is invalid: one of \(kinds)")
            }
            self = kind
        }
    }

    public var id: ProductID
    public var name: String
    public var kind: Kind
    /// Hidden products are left out of listings but still answer update checks.
    public var hidden: Bool
    /// Premium products are sold under licenses: their builds are downloaded only through
    /// signed links handed to sites with a valid license.
    public var premium: Bool
    public var homepage: String?
    public var description: String?
    /// Milliseconds since 1970.
    public var createdAt: Int64

    public init(
        id: ProductID, name: String, kind: Kind, hidden: Bool = false, premium: Bool = false, homepage: String? = nil,
        description: String? = nil, createdAt: Int64
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.hidden = hidden
        self.premium = premium
        self.homepage = homepage
        self.description = description
        self.createdAt = createdAt
    }

    /// Ids the HTTP API uses for itself (`/api/v1/builds/{hash}`, `/api/v1/licenses`), which a
    /// product cannot have; the server refuses to start if a route adds one that is missing here.
    public static let reservedIDs: Set<String> = ["builds", "licenses", "tokens", "reports"]

    /// Refuses an id the HTTP API needs for itself.
    public static func ensureIDIsFree(_ id: ProductID) throws(HeraldError) {
        if reservedIDs.contains(id.rawValue) {
            throw .invalidInput("product id '\(id)' is reserved by the HTTP API; choose another")
        }
    }

    /// A homepage: an http or https URL of at most 2,000 characters (pages link to it).
    public static func validateHomepage(_ homepage: String) throws(HeraldError) {
        let lower = homepage.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), homepage.count <= 2000,
            !homepage.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " })
        else {
            throw .invalidInput("homepage \(quoted(homepage)) is invalid: an http or https URL")
        }
    }

    /// A product's display name: 1 to 200 characters, not blank, no control characters.
    public static func validateName(_ name: String, field: String = "name") throws(HeraldError) {
        let trimmed = name.trimmingWhitespace()
        guard !trimmed.isEmpty, name.count <= 200, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidInput("\(field) \(quoted(name)) is invalid: 1 to 200 characters, not blank, no control characters")
        }
    }
}
