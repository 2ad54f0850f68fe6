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
    /// The customer channel the license is bound to, per product: its sites are answered from it.
    public var channels: [ProductID: ChannelID]
    /// Milliseconds since 1970; nil: never.
    public var expiresAt: Int64?
    /// How many sites may use it; nil: any number.
    public var siteLimit: Int?
    /// Revoked for every product.
    public var revoked: Bool
    /// The products it is revoked for, each by a vendor who manages that product.
    public var revokedProducts: Set<ProductID>
    public var createdAt: Int64

    public init(
        id: String, keyLast4: String, customerName: String, customerEmail: String, products: Set<ProductID>,
        channels: [ProductID: ChannelID] = [:], expiresAt: Int64? = nil, siteLimit: Int? = nil, revoked: Bool = false,
        revokedProducts: Set<ProductID> = [], createdAt: Int64
    ) {
        self.id = id
        self.keyLast4 = keyLast4
        self.customerName = customerName
        self.customerEmail = customerEmail
        self.products = products
        self.channels = channels
        self.expiresAt = expiresAt
        self.siteLimit = siteLimit
        self.revoked = revoked
        self.revokedProducts = revokedProducts
        self.createdAt = createdAt
    }

    /// The status for sites of `product`, or, without one, for the license as a whole (revoked
    /// once it is revoked for every product it covers). Revoked wins over expired; a license
    /// past its expiry is expired.
    public func status(at now: Int64, for product: ProductID? = nil) -> Status {
        let revokedHere = product.map { revokedProducts.contains($0) } ?? (!products.isEmpty && products.isSubset(of: revokedProducts))
        if revoked || revokedHere { return .revoked }
        if let expiresAt, now >= expiresAt { return .expired }
        return .active
    }

    /// The license as a vendor of `products` may see it: their products, bindings and
    /// revocations only (its status then is theirs: revoked once revoked for all of them).
    public func scoped(to products: Set<ProductID>) -> License {
        var scoped = self
        scoped.products = self.products.intersection(products)
        scoped.channels = channels.filter { products.contains($0.key) }
        scoped.revokedProducts = revokedProducts.intersection(products)
        return scoped
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

/// A site a license is active on: a place of its site limit.
public struct LicenseSite: Hashable, Sendable {
    /// The site's address as it identifies itself (``SiteAddress``); nil for a site activated
    /// before addresses were kept and not seen since.
    public let address: String?
    /// Milliseconds since 1970.
    public let activatedAt: Int64

    public init(address: String?, activatedAt: Int64) {
        self.address = address
        self.activatedAt = activatedAt
    }
}
