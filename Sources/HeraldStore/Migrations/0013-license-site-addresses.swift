extension Migration {
    /// The address of each site a license is active on, beside its salted hash, so that a
    /// vendor can list a license's sites and free one by name. Sites activated before this
    /// migration have none until they check again.
    static let licenseSiteAddresses = Migration(
        version: 13, name: "license site addresses",
        statements: ["ALTER TABLE license_sites ADD COLUMN site TEXT"])
}
