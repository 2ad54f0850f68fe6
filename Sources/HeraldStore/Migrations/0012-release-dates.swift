extension Migration {
    /// A build's release date as its vendor wrote it (seed 002's release.json), answered as
    /// written rather than converted to UTC.
    static let releaseDates = Migration(
        version: 12, name: "release dates",
        statements: ["ALTER TABLE builds ADD COLUMN release_date TEXT"])
}
