extension Migration {
    /// A license's customer channel and its revocation, per product it covers: a vendor who
    /// manages one product binds or revokes a shared license for that product only, and never
    /// changes how another product answers the customer.
    ///
    /// `licenses.channel_id` is no longer read; `licenses.revoked` now means revoked for every
    /// product.
    static let licenseScope = Migration(
        version: 10, name: "license scope",
        statements: [
            "ALTER TABLE license_products ADD COLUMN channel_id TEXT",
            "ALTER TABLE license_products ADD COLUMN revoked BOOLEAN NOT NULL DEFAULT FALSE",
            """
            UPDATE license_products SET channel_id = (
                SELECT licenses.channel_id FROM licenses, channels
                WHERE licenses.id = license_products.license_id
                AND channels.product_id = license_products.product_id AND channels.id = licenses.channel_id)
            """,
            "UPDATE license_products SET revoked = TRUE WHERE license_id IN (SELECT id FROM licenses WHERE revoked)",
        ])
}
