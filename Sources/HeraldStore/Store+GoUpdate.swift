import HeraldCore
import HeraldFormats
import SQLKit

/// What a GoUpdate repository (seed 001) is made of: each app version's integer id and the
/// files of its build.
extension Store {
    /// Records the files of a newly published app build and gives its version an id, inside
    /// the publish transaction (the product is locked).
    ///
    /// A version keeps the id it got first. A version newer, in version_compare order, than
    /// every version with an id gets the next id; an older one gets none and stays out of the
    /// repository, since a GoUpdate id must grow with each newer version.
    func recordGoUpdateFiles(_ files: [BuildFile], of build: Build, in database: any SQLDatabase) async throws {
        let existing = try await database.select().column("path").from("build_files")
            .where("build_hash", .equal, build.hash.rawValue).first()
        if existing == nil {
            for file in files {
                try await database.insert(into: "build_files")
                    .columns("build_hash", "path", "size", "md5", "blob", "gzip_blob")
                    .values(
                        SQLBind(build.hash.rawValue), SQLBind(file.path), SQLBind(file.size), SQLBind(file.md5),
                        SQLBind(file.blob.rawValue), SQLBind(file.gzipBlob?.rawValue))
                    .run()
            }
        }
        let versions = try await goUpdateVersions(of: build.product, in: database)
        guard !versions.contains(where: { $0.version == build.version }) else { return }
        if let newest = versions.last, VersionOrder.compare(build.version.rawValue, newest.version.rawValue) <= 0 { return }
        try await database.insert(into: "goupdate_versions")
            .columns("product_id", "version", "version_id")
            .values(SQLBind(build.product.rawValue), SQLBind(build.version.rawValue), SQLBind((versions.last?.id ?? 0) + 1))
            .run()
    }

    /// The product's versions that have a GoUpdate id, by id.
    public func goUpdateVersions(of product: ProductID) async throws -> [(id: Int64, version: Version)] {
        try await withDatabase { try await goUpdateVersions(of: product, in: $0) }
    }

    private func goUpdateVersions(of product: ProductID, in database: any SQLDatabase) async throws -> [(id: Int64, version: Version)] {
        let rows = try await database.select().columns("version", "version_id").from("goupdate_versions")
            .where("product_id", .equal, product.rawValue)
            .orderBy("version_id")
            .all()
        var versions: [(id: Int64, version: Version)] = []
        for row in rows {
            versions.append(
                (try row.decode(column: "version_id", as: Int64.self), try Version(validating: try row.decode(column: "version", as: String.self))))
        }
        return versions
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
                    gzipBlob: try row.decode(column: "gzip_blob", as: String?.self).map { try BuildHash(validating: $0) }))
        }
        return files
    }

    /// True when `blob` holds a file, or its gzip copy, of one of the product's builds: the
    /// only blobs a product's GoUpdate repository serves.
    public func isFileBlob(_ blob: BuildHash, of product: ProductID) async throws -> Bool {
        try await withDatabase { database in
            try await database.raw(
                """
                SELECT 1 AS found FROM build_files JOIN builds ON builds.hash = build_files.build_hash
                WHERE builds.product_id = \(bind: product.rawValue)
                AND (build_files.blob = \(bind: blob.rawValue) OR build_files.gzip_blob = \(bind: blob.rawValue))
                LIMIT 1
                """
            ).first() != nil
        }
    }
}
