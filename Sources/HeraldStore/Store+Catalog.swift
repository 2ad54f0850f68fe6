import HeraldCore
import SQLKit

extension Store {
    /// Every product's revision (see ``lockProduct``): one small read that tells an instance
    /// which of its catalog snapshots another instance has made stale, and which products exist.
    public func productRevisions() async throws -> [ProductID: Int64] {
        let rows = try await withDatabase { database in
            try await database.select().column("id").column("revision").from("products").all()
        }
        var revisions: [ProductID: Int64] = [:]
        for row in rows {
            // A row edited by hand into an invalid id cannot be asked for; it must not stop the rest.
            guard let id = try? ProductID(validating: try row.decode(column: "id", as: String.self)) else { continue }
            revisions[id] = try row.decode(column: "revision", as: Int64.self)
        }
        return revisions
    }

    /// Everything the answer path needs about `product`, read on one connection; nil when
    /// there is no such product.
    ///
    /// The revision is read first: a write that lands while the rest is read raises it past
    /// the snapshot's, so the snapshot is replaced at the next poll.
    public func catalogSnapshot(of product: ProductID) async throws -> CatalogSnapshot? {
        try await withDatabase { database in
            guard let row = try await database.select().column("*").from("products").where("id", .equal, product.rawValue).first() else {
                return nil
            }
            let record = try Product(row: row)
            let revision = try row.decode(column: "revision", as: Int64.self)
            let channels = try await database.select().column("*").from("channels").where("product_id", .equal, product.rawValue)
                .orderBy("id").all().map(Channel.init(row:))
            let rollouts = try await rollouts(of: product, in: database)
            let hashes = CatalogSnapshot.servedHashes(channels: channels, rollouts: rollouts).map(\.rawValue).sorted()
            let builds =
                hashes.isEmpty
                ? []
                : try await database.select().column("*").from("builds").where("product_id", .equal, product.rawValue)
                    .where("hash", .in, hashes).all().map(Build.init(row:))
            return CatalogSnapshot(
                product: record, revision: revision, channels: channels, builds: builds, rollouts: rollouts,
                messages: try await messages(of: product, in: database), customerChannels: try await customerChannels(of: product, in: database),
                yanked: try await yankedVersions(of: product, in: database), canaries: try await canaries(of: product, in: database))
        }
    }

    /// The product's customer channels: those a license not revoked for the product is bound to.
    public func customerChannels(of product: ProductID) async throws -> Set<ChannelID> {
        try await withDatabase { try await customerChannels(of: product, in: $0) }
    }

    private func customerChannels(of product: ProductID, in database: any SQLDatabase) async throws -> Set<ChannelID> {
        var channels: Set<ChannelID> = []
        for bound in try await database.select().distinct().column("channel_id").from("license_products")
            .where("product_id", .equal, product.rawValue).where("revoked", .equal, SQLLiteral.boolean(false))
            .where("channel_id", .isNot, SQLLiteral.null).all()
        {
            channels.insert(try ChannelID(validating: try bound.decode(column: "channel_id", as: String.self)))
        }
        return channels
    }
}
