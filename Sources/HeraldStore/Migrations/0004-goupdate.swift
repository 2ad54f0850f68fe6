extension Migration {
    /// The files inside each app build (for GoUpdate repositories, seed 001) and the integer
    /// id each app version gets when it is first published.
    static let goUpdate = Migration(
        version: 4, name: "goupdate",
        statements: [
            """
            CREATE TABLE build_files (
                build_hash TEXT NOT NULL REFERENCES builds (hash) ON DELETE CASCADE,
                path TEXT NOT NULL,
                size BIGINT NOT NULL,
                md5 TEXT NOT NULL,
                blob TEXT NOT NULL,
                gzip_blob TEXT,
                PRIMARY KEY (build_hash, path)
            )
            """,
            "CREATE INDEX build_files_blob ON build_files (blob)",
            "CREATE INDEX build_files_gzip_blob ON build_files (gzip_blob)",
            """
            CREATE TABLE goupdate_versions (
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                version TEXT NOT NULL,
                version_id BIGINT NOT NULL,
                PRIMARY KEY (product_id, version),
                UNIQUE (product_id, version_id)
            )
            """,
        ])
}
