import HeraldCore
import SQLKit

extension Store {
    /// Creates or replaces the product's extension manifest `id` (its name in URLs).
    public func putExtension(_ manifest: ExtensionManifest, id: String, of product: ProductID) async throws {
        try await withTransaction { database in
            guard try await lockProduct(product, in: database) else { throw HeraldError.unknownProduct(product) }
            try await upsertExtension(manifest, id: id, of: product, in: database)
        }
    }

    func upsertExtension(_ manifest: ExtensionManifest, id: String, of product: ProductID, in database: any SQLDatabase) async throws {
        try await database.delete(from: "extensions")
            .where("product_id", .equal, product.rawValue).where("id", .equal, id)
            .run()
        try await database.insert(into: "extensions")
            .columns("product_id", "id", "name", "premium", "beta_tag", "stable_tag", "updated_at")
            .values(
                SQLBind(product.rawValue), SQLBind(id), SQLBind(manifest.name), SQLBind(manifest.premium), SQLBind(manifest.beta?.text),
                SQLBind(manifest.stable?.text), SQLBind(currentTimeMillis()))
            .run()
    }

    /// The product's extension manifests, by id.
    public func extensions(of product: ProductID) async throws -> [ExtensionManifest] {
        try await withDatabase { try await extensions(of: product, in: $0) }.map(\.manifest)
    }

    /// The product's extension manifests with the ids they are saved under, by id.
    public func extensionRecords(of product: ProductID) async throws -> [(id: String, manifest: ExtensionManifest)] {
        try await withDatabase { try await extensions(of: product, in: $0) }
    }

    func extensions(of product: ProductID, in database: any SQLDatabase) async throws -> [(id: String, manifest: ExtensionManifest)] {
        let rows = try await database.select().column("*").from("extensions")
            .where("product_id", .equal, product.rawValue).orderBy("id").all()
        var manifests: [(id: String, manifest: ExtensionManifest)] = []
        for row in rows {
            let beta = try row.decode(column: "beta_tag", as: String?.self)
            let stable = try row.decode(column: "stable_tag", as: String?.self)
            manifests.append((
                try row.decode(column: "id", as: String.self),
                ExtensionManifest(
                    name: try row.decode(column: "name", as: String.self), premium: try row.decode(column: "premium", as: Bool.self),
                    beta: try beta.map { try VersionTag(validating: $0) }, stable: try stable.map { try VersionTag(validating: $0) })
            ))
        }
        return manifests
    }

    /// Turns the product's auto-deploy on or off: with it on, stable moves without a confirmation.
    public func setAutoDeploy(_ on: Bool, of product: ProductID) async throws {
        try await withTransaction { database in
            guard try await lockProduct(product, in: database) else { throw HeraldError.unknownProduct(product) }
            try await database.update("products").set("auto_deploy", to: SQLBind(on)).where("id", .equal, product.rawValue).run()
        }
    }

    /// Whether stable moves without a confirmation.
    public func autoDeploy(of product: ProductID) async throws -> Bool {
        try await withDatabase { database in
            try await database.select().column("auto_deploy").from("products").where("id", .equal, product.rawValue)
                .first()?.decode(column: "auto_deploy", as: Bool.self) ?? false
        }
    }
}

extension Store {
    /// Makes exactly `ids` the product's core channels (which cannot be deleted). stable, beta
    /// and development stay core: sites that name no channel, and the promotion rules, need them.
    public func setCoreChannels(_ ids: Set<ChannelID>, of product: ProductID) async throws {
        let required: Set<ChannelID> = [.stable, .beta, .development]
        guard required.isSubset(of: ids) else {
            throw HeraldError.invalidInput("core_channels must keep stable, beta and development")
        }
        try await withTransaction { database in
            guard try await lockProduct(product, in: database) else { throw HeraldError.unknownProduct(product) }
            let channels = try await lockChannels(of: product, in: database)
            for id in ids where !channels.contains(where: { $0.id == id }) {
                throw HeraldError.unknownChannel(id, of: product)
            }
            for channel in channels {
                try await database.update("channels").set("is_core", to: SQLBind(ids.contains(channel.id)))
                    .where("product_id", .equal, product.rawValue).where("id", .equal, channel.id.rawValue)
                    .run()
            }
        }
    }
}
