extension Migration {
    /// The console's accounts, their sessions and the audit log. Sessions live in the database
    /// so every instance behind one PostgreSQL knows them; only a session secret's SHA-256 is
    /// kept, as for API tokens.
    static let console = Migration(
        version: 11, name: "console",
        statements: [
            """
            CREATE TABLE console_accounts (
                id TEXT PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE console_account_products (
                account_id TEXT NOT NULL REFERENCES console_accounts(id) ON DELETE CASCADE,
                product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
                PRIMARY KEY (account_id, product_id)
            )
            """,
            """
            CREATE TABLE console_sessions (
                secret_sha256 TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES console_accounts(id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                last_seen_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX console_sessions_account ON console_sessions (account_id)",
            """
            CREATE TABLE audit_log (
                id TEXT PRIMARY KEY,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                address TEXT NOT NULL
            )
            """,
            "CREATE INDEX audit_log_at ON audit_log (at)",
        ])
}
