extension Migration {
    /// Checks counted per product and day rather than per site, so a site that checks again
    /// with nothing new to report costs no write: its row is written when it first checks in a
    /// day and when what it reports changes.
    static let installChecks = Migration(
        version: 9, name: "install checks",
        statements: [
            """
            CREATE TABLE install_checks (
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                day BIGINT NOT NULL,
                checks BIGINT NOT NULL,
                PRIMARY KEY (product_id, day)
            )
            """,
            """
            INSERT INTO install_checks (product_id, day, checks)
            SELECT product_id, day, SUM(checks) FROM install_stats GROUP BY product_id, day
            """,
            "ALTER TABLE install_stats DROP COLUMN checks",
        ])
}
