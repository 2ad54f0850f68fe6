extension Migration {
    /// Each build's SHA-384 (what its package signature signs) and its WordPress details
    /// (author, upgrade notice, readme sections as JSON).
    static let signaturesAndDetails = Migration(
        version: 3, name: "signatures_and_details",
        statements: [
            "ALTER TABLE builds ADD COLUMN sha384 TEXT",
            "ALTER TABLE builds ADD COLUMN wordpress_details TEXT",
        ])
}
