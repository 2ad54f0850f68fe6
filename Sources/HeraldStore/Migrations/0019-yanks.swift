extension Migration {
    /// Builds the vendor took back: when, why and by whom. A yanked build keeps its row and
    /// its file, for audits and for the sites that run it.
    static let yanks = Migration(
        version: 19, name: "yanks",
        statements: [
            "ALTER TABLE builds ADD COLUMN yanked_at BIGINT",
            "ALTER TABLE builds ADD COLUMN yank_reason TEXT",
            "ALTER TABLE builds ADD COLUMN yanked_by TEXT",
        ])
}
