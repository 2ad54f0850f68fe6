import HeraldCore
import SQLKit

/// One role's key in a product's TUF repository.
public struct TUFKey: Sendable, Equatable {
    public var role: String
    public var keyID: String
    /// Hex, as TUF's `keyval.public`.
    public var publicKey: String
    /// Base64 raw private key; nil for the root, whose private key is kept offline.
    public var privateKey: String?

    public init(role: String, keyID: String, publicKey: String, privateKey: String?) {
        self.role = role
        self.keyID = keyID
        self.publicKey = publicKey
        self.privateKey = privateKey
    }
}

/// One version of one role's signed metadata.
public struct TUFRecord: Sendable, Equatable {
    public var role: String
    public var version: Int64
    /// The metadata file, as served.
    public var body: String
    /// A digest of what the metadata says apart from its version and expiry: a new version is
    /// made only when it changes, the signing key changes, or the expiry nears.
    public var content: String
    /// The key it is signed with (the root's: the newest root key's).
    public var keyID: String
    /// Milliseconds since 1970.
    public var expiresAt: Int64

    public init(role: String, version: Int64, body: String, content: String, keyID: String, expiresAt: Int64) {
        self.role = role
        self.version = version
        self.body = body
        self.content = content
        self.keyID = keyID
        self.expiresAt = expiresAt
    }
}

/// The TUF repositories of app products: keys and metadata versions, written only through
/// ``saveTUF(_:keys:records:expecting:)`` so that versions only grow, whichever instance writes.
extension Store {
    /// The product's current key per role; empty when its repository was never made.
    public func tufKeys(of product: ProductID) async throws -> [String: TUFKey] {
        let rows = try await withDatabase { database in
            try await database.select().column("*").from("tuf_keys").where("product_id", .equal, product.rawValue).all()
        }
        var keys: [String: TUFKey] = [:]
        for row in rows {
            let key = TUFKey(
                role: try row.decode(column: "role", as: String.self), keyID: try row.decode(column: "key_id", as: String.self),
                publicKey: try row.decode(column: "public_key", as: String.self),
                privateKey: try row.decode(column: "private_key", as: String?.self))
            keys[key.role] = key
        }
        return keys
    }

    /// The newest version of each role's metadata.
    public func latestTUFRecords(of product: ProductID) async throws -> [String: TUFRecord] {
        try await withDatabase { try await latestTUFRecords(of: product, in: $0) }
    }

    private func latestTUFRecords(of product: ProductID, in database: any SQLDatabase) async throws -> [String: TUFRecord] {
        let rows = try await database.raw(
            """
            SELECT * FROM tuf_metadata AS m WHERE m.product_id = \(bind: product.rawValue)
            AND m.version = (SELECT MAX(n.version) FROM tuf_metadata AS n WHERE n.product_id = m.product_id AND n.role = m.role)
            """
        ).all()
        var records: [String: TUFRecord] = [:]
        for row in rows {
            let record = try TUFRecord(row: row)
            records[record.role] = record
        }
        return records
    }

    /// The newest root version; nil when the product has no TUF repository.
    public func latestTUFRootVersion(of product: ProductID) async throws -> Int64? {
        try await withDatabase { database in
            try await database.raw(
                "SELECT MAX(version) AS version FROM tuf_metadata WHERE product_id = \(bind: product.rawValue) AND role = 'root'"
            ).first()?.decode(column: "version", as: Int64?.self)
        }
    }

    /// One version of one role's metadata; nil when there is none.
    public func tufRecord(of product: ProductID, role: String, version: Int64) async throws -> TUFRecord? {
        try await withDatabase { database in
            try await database.select().column("*").from("tuf_metadata")
                .where("product_id", .equal, product.rawValue).where("role", .equal, role).where("version", .equal, version)
                .first().map(TUFRecord.init(row:))
        }
    }

    /// Stores new metadata versions and keys in one transaction, if each role's newest version
    /// is still what `expecting` says (nil: none) and each role's key still the one
    /// `expectingKeys` names (role to key id); false, storing nothing, when another writer got
    /// there first or the keys changed meanwhile.
    public func saveTUF(
        _ product: ProductID, keys: [TUFKey], records: [TUFRecord], expecting: [String: Int64?], expectingKeys: [String: String] = [:]
    ) async throws -> Bool {
        try await withTransaction { database in
            func stillExpected() async throws -> Bool {
                let latest = try await latestTUFRecords(of: product, in: database)
                for (role, version) in expecting where latest[role]?.version != version { return false }
                let rows = try await database.select().columns("role", "key_id").from("tuf_keys")
                    .where("product_id", .equal, product.rawValue).all()
                var current: [String: String] = [:]
                for row in rows { current[try row.decode(column: "role", as: String.self)] = try row.decode(column: "key_id", as: String.self) }
                return expectingKeys.allSatisfy { current[$0.key] == $0.value }
            }
            // Checked before the lock too, so a writer that lost the race raises no revision.
            guard try await stillExpected() else { return false }
            // The product's lock raises its revision: every instance's answer path sees the new
            // metadata (and keys) at its next request.
            guard try await lockProduct(product, in: database) else { throw HeraldError.unknownProduct(product) }
            guard try await stillExpected() else { return false }
            let now = currentTimeMillis()
            for key in keys {
                try await database.delete(from: "tuf_keys").where("product_id", .equal, product.rawValue).where("role", .equal, key.role).run()
                try await database.insert(into: "tuf_keys")
                    .columns("product_id", "role", "key_id", "public_key", "private_key", "created_at")
                    .values(
                        SQLBind(product.rawValue), SQLBind(key.role), SQLBind(key.keyID), SQLBind(key.publicKey), SQLBind(key.privateKey),
                        SQLBind(now))
                    .run()
            }
            for record in records {
                try await database.insert(into: "tuf_metadata")
                    .columns("product_id", "role", "version", "body", "content", "key_id", "expires_at", "created_at")
                    .values(
                        SQLBind(product.rawValue), SQLBind(record.role), SQLBind(record.version), SQLBind(record.body),
                        SQLBind(record.content), SQLBind(record.keyID), SQLBind(record.expiresAt), SQLBind(now))
                    .run()
            }
            return true
        }
    }
}

extension TUFRecord {
    init(row: any SQLRow) throws {
        self.init(
            role: try row.decode(column: "role", as: String.self), version: try row.decode(column: "version", as: Int64.self),
            body: try row.decode(column: "body", as: String.self), content: try row.decode(column: "content", as: String.self),
            keyID: try row.decode(column: "key_id", as: String.self), expiresAt: try row.decode(column: "expires_at", as: Int64.self))
    }
}

