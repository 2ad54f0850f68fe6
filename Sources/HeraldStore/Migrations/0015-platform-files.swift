extension Migration {
    /// Platform files of app builds (one per build and platform, with the digests and the
    /// signature the desktop feeds name) and what desktop updaters are told about a build.
    static let platformFiles = Migration(
        version: 15, name: "platform files",
        statements: [
            "ALTER TABLE builds ADD COLUMN app_details TEXT",
            """
            CREATE TABLE build_artifacts (
                build_hash TEXT NOT NULL REFERENCES builds (hash) ON DELETE CASCADE,
                platform TEXT NOT NULL,
                blob TEXT NOT NULL,
                size BIGINT NOT NULL,
                file_name TEXT NOT NULL,
                sha384 TEXT NOT NULL,
                sha512 TEXT NOT NULL,
                blake2b TEXT NOT NULL,
                ed_signature TEXT NOT NULL,
                uploaded_at BIGINT NOT NULL,
                PRIMARY KEY (build_hash, platform)
            )
            """,
            "CREATE INDEX build_artifacts_blob ON build_artifacts (blob)",
        ])
}
