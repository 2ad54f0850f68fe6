import HeraldCore
import SQLKit

extension Store {
    /// Creates `product` with its core channels (stable, beta, development) in one transaction.
    ///
    /// Throws `product_exists` if the id is taken, also when two instances race for it, and
    /// `invalid_input` for an id the HTTP API reserves.
    public func createProduct(_ product: Product) async throws {
        try Product.ensureIDIsFree(product.id)
        try Product.validateName(product.name)
        try await withTransaction { database in
            let inserted = try await database.insert(into: "products")
                .columns("id", "name", "kind", "hidden", "premium", "homepage", "description", "created_at")
                .values(
                    SQLBind(product.id.rawValue), SQLBind(product.name), SQLBind(product.kind.rawValue),
                    SQLBind(product.hidden), SQLBind(product.premium), SQLBind(product.homepage), SQLBind(product.description),
                    SQLBind(product.createdAt))
                .ignoringConflicts()
                .returning("id")
                .all()
            guard !inserted.isEmpty else {
                throw HeraldError.productExists(product.id)
            }
            for channel in Channel.coreChannels(of: product.id, at: product.createdAt) {
                try await insertChannel(channel, into: database)
            }
            CatalogChanges.record(product.id)
        }
    }

    /// Changes what is given of a product's name, visibility and premium flag; returns the product as saved.
    public func updateProduct(
        _ id: ProductID, name: String? = nil, hidden: Bool? = nil, premium: Bool? = nil, homepage: String?? = nil, description: String?? = nil
    ) async throws -> Product {
        if let name { try Product.validateName(name) }
        if case .some(.some(let homepage)) = homepage { try Product.validateHomepage(homepage) }
        if case .some(.some(let description)) = description, description.count > 10_000 {
            throw HeraldError.invalidInput("description is invalid: at most 10,000 characters")
        }
        return try await withTransaction { database in
            guard try await lockProduct(id, in: database) else { throw HeraldError.unknownProduct(id) }
            if name != nil || hidden != nil || premium != nil || homepage != nil || description != nil {
                var update = database.update("products").where("id", .equal, id.rawValue)
                if let name { update = update.set("name", to: SQLBind(name)) }
                if let hidden { update = update.set("hidden", to: SQLBind(hidden)) }
                if let premium { update = update.set("premium", to: SQLBind(premium)) }
                if let homepage { update = update.set("homepage", to: SQLBind(homepage)) }
                if let description { update = update.set("description", to: SQLBind(description)) }
                try await update.run()
            }
            guard let row = try await database.select().column("*").from("products").where("id", .equal, id.rawValue).first() else {
                throw HeraldError.unknownProduct(id)
            }
            return try Product(row: row)
        }
    }

    /// Locks the product's row until the transaction ends and raises its revision; false when
    /// there is no such product.
    ///
    /// Every write that changes a product's catalog takes this lock first (``lockChannel``,
    /// ``lockChannels`` and so every pin, unpin, roll-back, alias, channel deletion and rollout
    /// change take it too), so writes to one product run one after another and never deadlock.
    /// The order is always: product rows (several in id order, as a license revocation takes
    /// them), then that product's channel rows (several in id order), then a license row. The raised revision is how every instance's answer path learns of
    /// the write (``CatalogChanges``). (On SQLite, BEGIN IMMEDIATE already serialises all writers.)
    func lockProduct(_ id: ProductID, in database: any SQLDatabase) async throws -> Bool {
        let locked = try await database.update("products")
            .set("revision", to: SQLRaw("revision + 1"))
            .where("id", .equal, id.rawValue)
            .returning("id")
            .all()
        guard !locked.isEmpty else { return false }
        CatalogChanges.record(id)
        return true
    }

    /// The product with this id, hidden or not.
    public func product(_ id: ProductID) async throws -> Product? {
        try await withDatabase { database in
            try await database.select().column("*").from("products")
                .where("id", .equal, id.rawValue)
                .first()
                .map(Product.init(row:))
        }
    }

    /// Products by id; hidden ones only when asked for.
    public func products(includeHidden: Bool = false) async throws -> [Product] {
        try await withDatabase { database in
            var query = database.select().column("*").from("products")
            if !includeHidden {
                query = query.where("hidden", .equal, false)
            }
            return try await query.orderBy("id").all().map(Product.init(row:))
        }
    }
}
