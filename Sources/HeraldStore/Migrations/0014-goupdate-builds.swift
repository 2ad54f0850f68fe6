extension Migration {
    /// GoUpdate ids per build instead of per version, and each app file's permission bits.
    ///
    /// A re-upload of a version with new bytes is a new build: with ids per version it kept
    /// the id its clients already had, so they never updated. Every app build gets the next
    /// id of its product when it is published; ids are never reused, so the row outlives the
    /// build (a removed build's id stays taken). Builds that had an id keep it (the newest
    /// upload of the version); the other app builds get ids after the product's highest, in
    /// upload order; the id of a version whose builds are all gone stays taken by a row that
    /// names no build.
    static let goUpdateBuilds = Migration(
        version: 14, name: "goupdate builds",
        statements: [
            "ALTER TABLE build_files ADD COLUMN permissions BIGINT",
            """
            CREATE TABLE goupdate_builds (
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                build_hash TEXT NOT NULL,
                build_id BIGINT NOT NULL,
                PRIMARY KEY (product_id, build_hash),
                UNIQUE (product_id, build_id)
            )
            """,
            """
            INSERT INTO goupdate_builds (product_id, build_hash, build_id)
            SELECT versions.product_id, builds.hash, versions.version_id
            FROM goupdate_versions AS versions
            JOIN builds ON builds.product_id = versions.product_id AND builds.version = versions.version AND builds.is_latest
            """,
            """
            INSERT INTO goupdate_builds (product_id, build_hash, build_id)
            SELECT builds.product_id, builds.hash,
                COALESCE((SELECT MAX(version_id) FROM goupdate_versions AS versions WHERE versions.product_id = builds.product_id), 0)
                + ROW_NUMBER() OVER (PARTITION BY builds.product_id ORDER BY builds.uploaded_at, builds.hash)
            FROM builds
            WHERE EXISTS (SELECT 1 FROM build_files WHERE build_files.build_hash = builds.hash)
            AND NOT EXISTS (
                SELECT 1 FROM goupdate_builds AS ids WHERE ids.product_id = builds.product_id AND ids.build_hash = builds.hash)
            """,
            """
            INSERT INTO goupdate_builds (product_id, build_hash, build_id)
            SELECT versions.product_id, 'removed:' || versions.version, versions.version_id
            FROM goupdate_versions AS versions
            WHERE NOT EXISTS (
                SELECT 1 FROM goupdate_builds AS ids WHERE ids.product_id = versions.product_id AND ids.build_id = versions.version_id)
            """,
            "DROP TABLE goupdate_versions",
        ])
}
