/// A credential for write operations. Only a hash of its secret is ever stored.
public struct APIToken: Hashable, Sendable {
    public var id: String
    public var name: String
    /// The products the token may write to; empty means every product.
    public var products: Set<ProductID>
    /// Milliseconds since 1970.
    public var createdAt: Int64

    public init(id: String, name: String, products: Set<ProductID>, createdAt: Int64) {
        self.id = id
        self.name = name
        self.products = products
        self.createdAt = createdAt
    }

    /// True when the token may change `product`.
    public func mayWrite(to product: ProductID) -> Bool {
        products.isEmpty || products.contains(product)
    }

    /// A token's name: 1 to 100 printable characters.
    public static func validateName(_ name: String) throws(HeraldError) {
        try Product.validateName(name, field: "token name")
        guard name.count <= 100 else {
            throw .invalidInput("token name \(quoted(name)) is invalid: at most 100 characters")
        }
    }
}
