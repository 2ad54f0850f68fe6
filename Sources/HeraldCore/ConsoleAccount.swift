import HeraldFormats

/// A person who signs in to the console. An account limited to some products may change only
/// those, as a token scoped to them may.
public struct ConsoleAccount: Hashable, Sendable {
    public var id: String
    /// Lowercased; the sign-in name.
    public var email: String
    /// The products the account may change; empty means every product.
    public var products: Set<ProductID>
    /// Milliseconds since 1970.
    public var createdAt: Int64

    public init(id: String, email: String, products: Set<ProductID>, createdAt: Int64) {
        self.id = id
        self.email = email
        self.products = products
        self.createdAt = createdAt
    }

    /// What the account may do through the API, as a token would: the same scope, and its
    /// email as the name history records for what it changed.
    public var credential: APIToken {
        APIToken(id: "console:" + id, name: email, products: products, createdAt: createdAt)
    }

    /// An email address as an account's name: `local@domain`, at most 254 characters, no spaces.
    public static func normalizeEmail(_ text: String) throws(HeraldError) -> String {
        let email = text.trimmingWhitespace().lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            email.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F })
        else {
            throw .invalidInput("email \(quoted(text)) is invalid: an address like name@example.com")
        }
        return email
    }

    /// A password: 10 to 1,024 characters, so a guessed one takes long and a huge one is no load.
    public static func validatePassword(_ password: String) throws(HeraldError) {
        guard password.count >= 10 else { throw .invalidInput("the password is too short: at least 10 characters") }
        guard password.utf8.count <= 1024 else { throw .invalidInput("the password is too long: at most 1,024 bytes") }
    }
}
