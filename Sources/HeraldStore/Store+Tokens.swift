import Crypto
import Foundation
import HeraldCore
import SQLKit

/// A token as it is handed out once: the record, and the secret that only its holder keeps.
public struct IssuedToken: Sendable {
    public let token: APIToken
    /// Shown once; the store keeps only its SHA-256.
    public let secret: String
}

extension Store {
    /// Creates a token limited to `products` (all products when empty) and returns its secret.
    ///
    /// The secret is 256 random bits; only its SHA-256 is stored, so a stolen database does
    /// not yield usable tokens. Every product in the scope must exist.
    public func createToken(name: String, products: Set<ProductID>) async throws -> IssuedToken {
        try APIToken.validateName(name)
        let secret = "hrld_" + randomHex(byteCount: 32)
        let token = APIToken(id: UUID().uuidString.lowercased(), name: name, products: products, createdAt: currentTimeMillis())
        try await withTransaction { database in
            for product in products.sorted() {
                guard
                    try await database.select().column("id").from("products")
                        .where("id", .equal, product.rawValue).first() != nil
                else {
                    throw HeraldError.unknownProduct(product)
                }
            }
            try await database.insert(into: "api_tokens")
                .columns("id", "name", "secret_sha256", "created_at")
                .values(SQLBind(token.id), SQLBind(token.name), SQLBind(Self.digest(ofSecret: secret)), SQLBind(token.createdAt))
                .run()
            for product in products.sorted() {
                try await database.insert(into: "api_token_products")
                    .columns("token_id", "product_id")
                    .values(SQLBind(token.id), SQLBind(product.rawValue))
                    .run()
            }
        }
        return IssuedToken(token: token, secret: secret)
    }

    /// The token whose secret this is, or nil.
    public func token(forSecret secret: String) async throws -> APIToken? {
        let digest = Self.digest(ofSecret: secret)
        return try await withDatabase { database in
            guard
                let row = try await database.select().column("*").from("api_tokens")
                    .where("secret_sha256", .equal, digest).first(),
                constantTimeEqual(try row.decode(column: "secret_sha256", as: String.self), digest)
            else { return nil }
            let id = try row.decode(column: "id", as: String.self)
            let productRows = try await database.select().column("product_id").from("api_token_products")
                .where("token_id", .equal, id).all()
            var products: [ProductID] = []
            for productRow in productRows {
                products.append(try ProductID(validating: try productRow.decode(column: "product_id", as: String.self)))
            }
            return APIToken(
                id: id, name: try row.decode(column: "name", as: String.self), products: Set(products),
                createdAt: try row.decode(column: "created_at", as: Int64.self))
        }
    }

    /// Every token, oldest first, without secrets.
    public func tokens() async throws -> [APIToken] {
        try await withDatabase { database in
            var scopes: [String: Set<ProductID>] = [:]
            for row in try await database.select().column("*").from("api_token_products").all() {
                let product = try ProductID(validating: try row.decode(column: "product_id", as: String.self))
                scopes[try row.decode(column: "token_id", as: String.self), default: []].insert(product)
            }
            return try await database.select().column("*").from("api_tokens").orderBy("created_at").all().map { row in
                let id = try row.decode(column: "id", as: String.self)
                return APIToken(
                    id: id, name: try row.decode(column: "name", as: String.self), products: scopes[id] ?? [],
                    createdAt: try row.decode(column: "created_at", as: Int64.self))
            }
        }
    }

    /// Deletes a token: requests with its secret are refused from now on.
    public func revokeToken(id: String) async throws {
        try await withTransaction { database in
            guard try await database.select().column("id").from("api_tokens").where("id", .equal, id).first() != nil else {
                throw HeraldError.unknownToken(id)
            }
            try await database.delete(from: "api_token_products").where("token_id", .equal, id).run()
            try await database.delete(from: "api_tokens").where("id", .equal, id).run()
        }
    }

    static func digest(ofSecret secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexString
    }
}

func randomHex(byteCount: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }.hexString
}

extension Sequence<UInt8> {
    /// Lowercase hexadecimal, two digits a byte.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Compares two secrets in time that depends only on their lengths.
public func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
    let (a, b) = (Array(lhs.utf8), Array(rhs.utf8))
    guard a.count == b.count else { return false }
    return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}
