import HeraldCore
import HeraldFormats
import SQLKit

/// What a GoUpdate repository (seed 001) is made of: each app version's integer id and the
/// files of its build.
extension Store {
    /// Records the files of a newly published app build and gives it an id, inside the
    /// publish transaction (the product is locked).
    ///
    /// Every app build gets the product's next id when it is first published, so an id grows
    /// with each upload, a re-upload of a version with new bytes included. A build keeps its
    /// id, even after it is removed and published again: an id is never given to other bytes.
    func recordGoUpdateFiles(_ files: [BuildFile], of build: Build, in database: any SQLDatabase) async throws {
        let existing = try await database.select().column("path").from("build_files")
            .where("build_hash", .equal, build.hash.rawValue).first()
        if existing == nil {
            for file in files {
                try await database.insert(into: "build_files")
                    .columns("build_hash", "path", "size", "md5", "blob", "gzip_blob", "permissions")
                    .values(
                        SQLBind(build.hash.rawValue), SQLBind(file.path), SQLBind(file.size), SQLBind(file.md5),
                        SQLBind(file.blob.rawValue), SQLBind(file.gzipBlob?.rawValue), SQLBind(file.permissions.map(Int64.init)))
                    .run()
            }
        }
        let known = try await database.select().column("build_id").from("goupdate_builds")
            .where("product_id", .equal, build.product.rawValue)
            .where("build_hash", .equal, build.hash.rawValue)
            .first()
        guard known == nil else { return }
        let highest = try await database.raw(
            "SELECT MAX(build_id) AS highest FROM goupdate_builds WHERE product_id = \(bind: build.product.rawValue)"
        ).first()
        let next = (try highest?.decode(column: "highest", as: Int64?.self) ?? 0) + 1
        try await database.insert(into: "goupdate_builds")
            .columns("product_id", "build_hash", "build_id")
            .values(SQLBind(build.product.rawValue), SQLBind(build.hash.rawValue), SQLBind(next))
            .run()
    }

    /// The product's builds that have a GoUpdate id, by id.
    public func goUpdateBuilds(of product: ProductID) async throws -> [(id: Int64, build: Build)] {
        let rows = try await withDatabase { database in
            try await database.raw(
                """
                SELECT goupdate_builds.build_id AS goupdate_id, builds.* FROM goupdate_builds
                JOIN builds ON builds.hash = goupdate_builds.build_hash AND builds.product_id = goupdate_builds.product_id
                WHERE goupdate_builds.product_id = \(bind: product.rawValue)
                ORDER BY goupdate_builds.build_id
                """
            ).all()
        }
        return try rows.map { (try $0.decode(column: "goupdate_id", as: Int64.self), try Build(row: $0)) }
    }

    /// The files of a build, by path; empty for a build that is not an app's zip.
    public func files(of build: BuildHash) async throws -> [BuildFile] {
        let rows = try await withDatabase { database in
            try await database.select().column("*").from("build_files")
                .where("build_hash", .equal, build.rawValue)
                .orderBy("path")
                .all()
        }
        var files: [BuildFile] = []
        for row in rows {
            files.append(
                BuildFile(
                    path: try row.decode(column: "path", as: String.self), size: try row.decode(column: "size", as: Int64.self),
                    md5: try row.decode(column: "md5", as: String.self),
                    blob: try BuildHash(validating: try row.decode(column: "blob", as: String.self)),
                    gzipBlob: try row.decode(column: "gzip_blob", as: String?.self).map { try BuildHash(validating: $0) },
                    permissions: try row.decode(column: "permissions", as: Int64?.self).flatMap { UInt16(exactly: $0 & 0o7777) }))
        }
        return files
    }
}
