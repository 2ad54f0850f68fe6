/// A customer's license for one or more premium products. Only a hash of its key and the
/// key's last four characters are kept: enough to recognise it, not to use it.
public struct License: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable {
        case active, expired, revoked
    }

    public var id: String
    /// The key's last four characters, to tell licenses apart in listings.
    public var keyLast4: String
    public var customerName: String
    public var customerEmail: String
    public var products: Set<ProductID>
    /// A customer channel the license is bound to: its sites are answered from it.
    public var channel: ChannelID?
    /// Milliseconds since 1970; nil: never.
    public var expiresAt: Int64?
    /// How many sites may use it; nil: any number.
    public var siteLimit: Int?
    public var revoked: Bool
    public var createdAt: Int64

    public init(
        id: String, keyLast4: String, customerName: String, customerEmail: String, products: Set<ProductID>, channel: ChannelID? = nil,
        expiresAt: Int64? = nil, siteLimit: Int? = nil, revoked: Bool = false, createdAt: Int64
    ) {
        self.id = id
        self.keyLast4 = keyLast4
        self.customerName = customerName
        self.customerEmail = customerEmail
        self.products = products
        self.channel = channel
        self.expiresAt = expiresAt
        self.siteLimit = siteLimit
        self.revoked = revoked
        self.createdAt = createdAt
    }

    /// Revoked wins over expired; a license past its expiry is expired.
    public func status(at now: Int64) -> Status {
        if revoked { return .revoked }
        if let expiresAt, now >= expiresAt { return .expired }
        return .active
    }

    /// A customer's email: something@something, at most 320 characters, no spaces.
    public static func validateEmail(_ email: String) throws(HeraldError) {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 320, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !email.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else {
            throw .invalidInput("email \(quoted(email)) is not an email address")
        }
    }
}
