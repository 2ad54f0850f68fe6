extension Migration {
    /// Console sign-in attempts, counted in the database so that every instance on it counts
    /// the same ones: spreading guesses over instances gains nothing.
    static let signInAttempts = Migration(
        version: 17, name: "sign-in attempts",
        statements: [
            """
            CREATE TABLE sign_in_attempts (
                id TEXT PRIMARY KEY,
                key TEXT NOT NULL,
                attempted_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX sign_in_attempts_by_key ON sign_in_attempts (key, attempted_at)",
            "CREATE INDEX sign_in_attempts_by_time ON sign_in_attempts (attempted_at)",
        ])
}
