import HeraldCore
import SQLKit

extension Store {
    /// The product's canary sites.
    public func canaries(of product: ProductID) async throws -> Canaries {
        try await withDatabase { try await canaries(of: product, in: $0) }
    }

    /// Replaces the product's canary sites. Each license must cover the product.
    public func setCanaries(_ canaries: Canaries, of product: ProductID) async throws {
        guard canaries.sitePatterns.count + canaries.licenses.count <= Canaries.limit else {
            throw HeraldError.invalidInput("at most \(Canaries.limit) canary sites and licenses together")
        }
        try await withTransaction { database in
            guard try await lockProduct(product, in: database) else { throw HeraldError.unknownProduct(product) }
            for license in canaries.licenses.sorted() {
                let covers = try await database.select().column("license_id").from("license_products")
                    .where("license_id", .equal, license).where("product_id", .equal, product.rawValue).first()
                guard covers != nil else { throw HeraldError.unknownLicense(license) }
            }
            try await database.delete(from: "canaries").where("product_id", .equal, product.rawValue).run()
            let rows = canaries.sitePatterns.map { ("site", $0) } + canaries.licenses.sorted().map { ("license", $0) }
            for (kind, value) in rows {
                try await database.insert(into: "canaries").columns("product_id", "kind", "value")
                    .values(SQLBind(product.rawValue), SQLBind(kind), SQLBind(value)).run()
            }
        }
    }

    func canaries(of product: ProductID, in database: any SQLDatabase) async throws -> Canaries {
        var sites: [String] = []
        var licenses: Set<String> = []
        for row in try await database.select().column("kind").column("value").from("canaries")
            .where("product_id", .equal, product.rawValue).orderBy("kind").orderBy("value").all()
        {
            let value = try row.decode(column: "value", as: String.self)
            if try row.decode(column: "kind", as: String.self) == "license" {
                licenses.insert(value)
            } else {
                sites.append(value)
            }
        }
        return Canaries(sitePatterns: sites, licenses: licenses)
    }
}
