extension Migration {
    /// A revision per product, raised by every write to the product's catalog, so that each
    /// instance's in-memory snapshot of a product notices writes made by other instances.
    static let catalogRevisions = Migration(
        version: 8, name: "catalog revisions",
        statements: [
            "ALTER TABLE products ADD COLUMN revision BIGINT NOT NULL DEFAULT 0"
        ])
}
