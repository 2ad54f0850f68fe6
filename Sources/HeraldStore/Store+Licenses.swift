import Foundation
import HeraldCore
import SQLKit

/// A license as it is handed out once: the record, and the key that only the customer keeps.
public struct IssuedLicense: Sendable {
    public let license: License
    /// Shown once; the store keeps its SHA-256 and last four characters.
    public let key: String
}

extension Store {
    /// Creates a license for `products` (each must exist; a bound `channel` must exist for each).
    public func createLicense(
        customerName: String, customerEmail: String, products: Set<ProductID>, channel: ChannelID? = nil, expiresAt: Int64? = nil,
        siteLimit: Int? = nil
    ) async throws -> IssuedLicense {
        try Product.validateName(customerName, field: "customer name")
        try License.validateEmail(customerEmail)
        guard !products.isEmpty else { throw HeraldError.invalidInput("a license covers at least one product") }
        if let siteLimit, siteLimit < 1 { throw HeraldError.invalidInput("the site limit must be 1 or more") }
        let key = "HRLD-" + randomHex(byteCount: 16).uppercased()
        let license = License(
            id: UUID().uuidString.lowercased(), keyLast4: String(key.suffix(4)), customerName: customerName, customerEmail: customerEmail,
            products: products, channels: Dictionary(uniqueKeysWithValues: channel.map { bound in products.map { ($0, bound) } } ?? []),
            expiresAt: expiresAt, siteLimit: siteLimit, createdAt: currentTimeMillis())
        try await withTransaction { database in
            for product in products.sorted() {
                guard try await database.select().column("id").from("products").where("id", .equal, product.rawValue).first() != nil else {
                    throw HeraldError.unknownProduct(product)
                }
                if let channel,
                    try await database.select().column("id").from("channels")
                        .where("product_id", .equal, product.rawValue).where("id", .equal, channel.rawValue).first() == nil
                {
                    throw HeraldError.unknownChannel(channel, of: product)
                }
            }
            try await database.insert(into: "licenses")
                .columns(
                    "id", "key_sha256", "key_last4", "customer_name", "customer_email", "channel_id", "expires_at", "site_limit", "revoked",
                    "created_at")
                .values(
                    SQLBind(license.id), SQLBind(Self.digest(ofSecret: key)), SQLBind(license.keyLast4), SQLBind(customerName),
                    SQLBind(customerEmail), SQLBind(String?.none), SQLBind(expiresAt), SQLBind(siteLimit.map(Int64.init)),
                    SQLBind(false), SQLBind(license.createdAt))
                .run()
            for product in products.sorted() {
                try await database.insert(into: "license_products").columns("license_id", "product_id", "channel_id")
                    .values(SQLBind(license.id), SQLBind(product.rawValue), SQLBind(channel?.rawValue)).run()
                try await enqueueWebhookEvent(
                    .licenseCreated, of: product,
                    data: [
                        "license_id": .string(license.id), "key_last4": .string(license.keyLast4), "customer_name": .string(customerName),
                        "customer_email": .string(customerEmail), "channel": .string(channel?.rawValue),
                        "expires_at": expiresAt.map { .integer($0) } ?? .string(nil), "site_limit": siteLimit.map { .integer(Int64($0)) } ?? .string(nil),
                    ], at: license.createdAt, in: database)
            }
        }
        return IssuedLicense(license: license, key: key)
    }

    /// Licenses whose customer name or email contains `search` (case-insensitive), newest
    /// first; every license when `search` is nil.
    public func licenses(matching search: String? = nil) async throws -> [License] {
        let rows = try await withDatabase { database in
            var query = database.select().column("*").from("licenses").orderBy("created_at", .descending)
            if let search, !search.isEmpty {
                let pattern = "%" + search.lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
                query = query.where(SQLFunction("LOWER", args: SQLColumn("customer_name")), .like, SQLBind(pattern))
                    .orWhere(SQLFunction("LOWER", args: SQLColumn("customer_email")), .like, SQLBind(pattern))
            }
            return try await query.limit(1000).all()
        }
        var licenses: [License] = []
        for row in rows { licenses.append(try await license(row: row)) }
        return licenses
    }

    /// The license with this key (looked up by its hash) or id, or nil.
    public func license(keyOrID: String) async throws -> License? {
        let digest = Self.digest(ofSecret: keyOrID)
        let row = try await withDatabase { database in
            try await database.select().column("*").from("licenses")
                .where("key_sha256", .equal, digest).orWhere("id", .equal, keyOrID.lowercased()).first()
        }
        guard let row else { return nil }
        return try await license(row: row)
    }

    /// The license with this id, or nil.
    public func license(id: String) async throws -> License? {
        guard id.utf8.count <= 64 else { return nil }
        let row = try await withDatabase { database in
            try await database.select().column("*").from("licenses").where("id", .equal, id.lowercased()).first()
        }
        guard let row else { return nil }
        return try await license(row: row)
    }

    /// The ids of the licenses named by key or id, each of which must exist (else
    /// `unknown_license`) and cover `product`: what ``saveChannel(_:of:settings:following:licenseIDs:actor:)`` binds.
    ///
    /// A license that exists but does not cover `product` is `unknown_license` too: whoever
    /// manages one product learns nothing of the licenses of others.
    public func licenseIDs(of keysOrIDs: [String], covering product: ProductID) async throws -> [String] {
        var ids: [String] = []
        for keyOrID in keysOrIDs {
            guard let license = try await license(keyOrID: keyOrID), license.products.contains(product) else {
                throw HeraldError.unknownLicense(keyOrID)
            }
            ids.append(license.id)
        }
        return ids
    }

    /// Binds licenses (by id) to a customer channel of `product`: their sites are answered from it.
    func bindLicenses(_ ids: [String], to channel: ChannelID, of product: ProductID, in database: any SQLDatabase) async throws {
        guard !ids.isEmpty else { return }
        guard try await lockChannel(channel, of: product, in: database) != nil else { throw HeraldError.unknownChannel(channel, of: product) }
        for id in ids {
            try await database.update("license_products").set("channel_id", to: SQLBind(channel.rawValue))
                .where("license_id", .equal, id).where("product_id", .equal, product.rawValue).run()
        }
    }

    /// How many sites each license is active on, by license id (licenses with none left out).
    public func activeSiteCounts() async throws -> [String: Int] {
        try await withDatabase { database in
            var counts: [String: Int] = [:]
            for row in try await database.select().column("license_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "sites")
                .from("license_sites").groupBy("license_id").all()
            {
                counts[try row.decode(column: "license_id", as: String.self)] = try row.decode(column: "sites", as: Int.self)
            }
            return counts
        }
    }

    /// The ids of the licenses bound to `channel` that cover `product`, for the channel's `licenses`.
    public func licenseIDs(boundTo channel: ChannelID, of product: ProductID) async throws -> [String] {
        let rows = try await withDatabase { database in
            try await database.select().column(SQLColumn("id", table: "licenses")).from("licenses")
                .join("license_products", on: SQLColumn("license_id", table: "license_products"), .equal, SQLColumn("id", table: "licenses"))
                .where(SQLColumn("channel_id", table: "license_products"), .equal, SQLBind(channel.rawValue))
                .where(SQLColumn("product_id", table: "license_products"), .equal, SQLBind(product.rawValue))
                .orderBy(SQLColumn("created_at", table: "licenses"))
                .all()
        }
        var ids: [String] = []
        for row in rows { ids.append(try row.decode(column: "id", as: String.self)) }
        return ids
    }

    /// Revokes a license for `products` (every product it covers when nil): their sites stop
    /// getting downloads at once. A license revoked for all its products is revoked. The
    /// products count as changed (``CatalogChanges``), so every answer about them is made afresh.
    public func revokeLicense(_ id: String, for products: Set<ProductID>? = nil) async throws {
        try await withTransaction { database in
            // Products first, as every write locks them, then the license: never a deadlock.
            let covered = try await database.select().column("product_id").from("license_products").where("license_id", .equal, id)
                .orderBy("product_id").all()
            var revoking: [ProductID] = []
            for row in covered {
                let product = try ProductID(validating: try row.decode(column: "product_id", as: String.self))
                guard products?.contains(product) ?? true else { continue }
                _ = try await lockProduct(product, in: database)
                revoking.append(product)
            }
            guard try await database.select().column("id").from("licenses").where("id", .equal, id).for(.update).first() != nil else {
                throw HeraldError.unknownLicense(id)
            }
            for product in revoking {
                try await database.update("license_products").set("revoked", to: SQLBind(true))
                    .where("license_id", .equal, id).where("product_id", .equal, product.rawValue).run()
                try await enqueueWebhookEvent(.licenseRevoked, of: product, data: ["license_id": .string(id)], at: currentTimeMillis(), in: database)
            }
            if revoking.count == covered.count {
                try await database.update("licenses").set("revoked", to: SQLBind(true)).where("id", .equal, id).run()
            }
        }
    }

    private func license(row: any SQLRow) async throws -> License {
        let id = try row.decode(column: "id", as: String.self)
        let productRows = try await withDatabase { database in
            try await database.select().column("product_id").column("channel_id").column("revoked").from("license_products")
                .where("license_id", .equal, id).all()
        }
        var products: Set<ProductID> = []
        var channels: [ProductID: ChannelID] = [:]
        var revokedProducts: Set<ProductID> = []
        for productRow in productRows {
            let product = try ProductID(validating: try productRow.decode(column: "product_id", as: String.self))
            products.insert(product)
            if let channel = try productRow.decode(column: "channel_id", as: String?.self) { channels[product] = try ChannelID(validating: channel) }
            if try productRow.decode(column: "revoked", as: Bool.self) { revokedProducts.insert(product) }
        }
        return License(
            id: id, keyLast4: try row.decode(column: "key_last4", as: String.self),
            customerName: try row.decode(column: "customer_name", as: String.self),
            customerEmail: try row.decode(column: "customer_email", as: String.self), products: products,
            channels: channels, expiresAt: try row.decode(column: "expires_at", as: Int64?.self),
            siteLimit: try row.decode(column: "site_limit", as: Int64?.self).map { Int($0) },
            revoked: try row.decode(column: "revoked", as: Bool.self), revokedProducts: revokedProducts,
            createdAt: try row.decode(column: "created_at", as: Int64.self))
    }
}

extension Store {
    /// The license a site presents for `product`, checked: it must exist (by its key alone),
    /// cover the product, be neither revoked nor expired, and have room for `site` (activated
    /// here on first use; a license without a site limit records no sites).
    ///
    /// A site is found by its SHA-256 under `siteSalt` (``licenseSiteSalt()``); its address is
    /// kept beside it, so the vendor can list a license's sites and free one by name (the
    /// addresses of its customers' sites: data to protect like the rest of the database). A
    /// site recorded by the unsalted hash of earlier versions is found as well, and recorded
    /// again salted.
    public func checkLicense(key: String, for product: ProductID, site: String, siteSalt: String) async throws -> License {
        guard let license = try await license(key: key), license.products.contains(product) else {
            throw HeraldError.licenseInvalid(for: product)
        }
        switch license.status(at: currentTimeMillis(), for: product) {
        case .revoked: throw HeraldError.licenseRevoked(license.keyLast4)
        case .expired: throw HeraldError.licenseExpired(license.keyLast4)
        case .active: break
        }
        // A question that names no site activates nothing, and neither do staging and local copies.
        guard let limit = license.siteLimit, !site.isEmpty, !SiteAddress.isStagingOrLocal(site) else { return license }
        let siteDigest = InstallSample.siteDigest(of: site.lowercased(), salt: siteSalt).hexString
        let unsalted = Self.digest(ofSecret: site.lowercased())
        // A site already activated (every check after its first) needs no write.
        let recorded = try await withDatabase { database in
            try await database.select().column("site_sha256").column("site").from("license_sites").where("license_id", .equal, license.id)
                .where("site_sha256", .in, [siteDigest, unsalted]).all().map {
                    (digest: try $0.decode(column: "site_sha256", as: String.self), address: try $0.decode(column: "site", as: String?.self))
                }
        }
        let address = site.lowercased()
        if recorded.map(\.digest) == [siteDigest] {
            if recorded[0].address == nil {
                // Activated before addresses were kept: its address is written once.
                try await withDatabase { database in
                    try await database.update("license_sites").set("site", to: SQLBind(address)).where("license_id", .equal, license.id)
                        .where("site_sha256", .equal, siteDigest).where("site", .is, SQLLiteral.null).run()
                }
            }
            return license
        }
        try await withTransaction { database in
            _ = try await database.select().column("id").from("licenses").where("id", .equal, license.id).for(.update).first()
            let known = try await database.select().column("site_sha256").from("license_sites")
                .where("license_id", .equal, license.id).all()
            var sites: Set<String> = []
            for row in known { sites.insert(try row.decode(column: "site_sha256", as: String.self)) }
            if sites.contains(unsalted) {
                // Recorded before salting (or again by an instance of an earlier version):
                // recorded once, salted, in the same place.
                if !sites.contains(siteDigest) {
                    try await database.insert(into: "license_sites").columns("license_id", "site_sha256", "activated_at", "site")
                        .values(SQLBind(license.id), SQLBind(siteDigest), SQLBind(currentTimeMillis()), SQLBind(address)).run()
                }
                try await database.delete(from: "license_sites").where("license_id", .equal, license.id)
                    .where("site_sha256", .equal, unsalted).run()
                return
            }
            if sites.contains(siteDigest) { return }
            guard sites.count < limit else { throw HeraldError.licenseSiteLimit(license.keyLast4, limit: limit) }
            let now = currentTimeMillis()
            try await database.insert(into: "license_sites").columns("license_id", "site_sha256", "activated_at", "site")
                .values(SQLBind(license.id), SQLBind(siteDigest), SQLBind(now), SQLBind(address)).run()
            try await enqueueWebhookEvent(
                .siteActivated, of: product, data: ["license_id": .string(license.id), "site": .string(address)], at: now, in: database)
        }
        return license
    }

    /// Frees `site` (normalized) from the license's site limit; false when it was not active on it.
    /// The license's products count as changed (``CatalogChanges``), so no instance goes on
    /// answering the site from what it remembered of the license.
    public func deactivateSite(_ site: String, licenseID: String) async throws -> Bool {
        let salted = InstallSample.siteDigest(of: site.lowercased(), salt: try await licenseSiteSalt()).hexString
        let digests = [salted, Self.digest(ofSecret: site.lowercased())]
        // A site that is not active costs a read: nothing is locked, and no snapshot is dropped.
        let active = try await withDatabase { database in
            try await database.select().column("site_sha256").from("license_sites").where("license_id", .equal, licenseID)
                .where("site_sha256", .in, digests).first() != nil
        }
        guard active else { return false }
        return try await withTransaction { database in
            // Products first, then the license: the lock order every write keeps.
            let products = try await database.select().column("product_id").from("license_products").where("license_id", .equal, licenseID)
                .all().map { try $0.decode(column: "product_id", as: String.self) }.sorted()
            for product in products { _ = try await lockProduct(try ProductID(validating: product), in: database) }
            _ = try await database.select().column("id").from("licenses").where("id", .equal, licenseID).for(.update).first()
            let found = try await database.select().column("site_sha256").from("license_sites").where("license_id", .equal, licenseID)
                .where("site_sha256", .in, digests).all()
            guard !found.isEmpty else { return false }
            try await database.delete(from: "license_sites").where("license_id", .equal, licenseID).where("site_sha256", .in, digests).run()
            return true
        }
    }

    /// The sites a license is active on, first activated first; a site activated before
    /// addresses were kept, and not seen since, has none.
    public func activeSites(licenseID: String) async throws -> [LicenseSite] {
        try await withDatabase { database in
            try await database.select().column("site").column("activated_at").from("license_sites").where("license_id", .equal, licenseID)
                .orderBy("activated_at").all().map {
                    LicenseSite(address: try $0.decode(column: "site", as: String?.self), activatedAt: try $0.decode(column: "activated_at", as: Int64.self))
                }
        }
    }


    /// The salt of the sites recorded as active on licenses, shared by every instance.
    public func licenseSiteSalt() async throws -> String {
        try await serverSecret(named: "license_sites_salt")
    }

    /// The license whose key this is, by the key's hash (never by id: for a site proving it
    /// holds the key); nil when none.
    public func license(key: String) async throws -> License? {
        guard key.utf8.count <= 256 else { return nil }
        let digest = Self.digest(ofSecret: key)
        let row = try await withDatabase { database in
            try await database.select().column("*").from("licenses").where("key_sha256", .equal, digest).first()
        }
        guard let row, constantTimeEqual(try row.decode(column: "key_sha256", as: String.self), digest) else { return nil }
        return try await license(row: row)
    }
}
