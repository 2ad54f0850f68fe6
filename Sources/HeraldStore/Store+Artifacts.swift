import HeraldCore
import SQLKit

/// The platform files of app builds (``Artifact``).
extension Store {
    /// Records `artifact`, replacing the build's file for the same platform, in one transaction
    /// with the product locked (so every instance's feeds notice); returns the replaced file's
    /// blob, which the caller deletes if nothing else uses it.
    ///
    /// `whileLocked` runs once every check has passed, just before the commit: the place to
    /// move the file into the ``BlobStore``.
    public func addArtifact(_ artifact: Artifact, whileLocked: () async throws -> Void = {}) async throws -> BuildHash? {
        try await withTransaction { database in
            guard let build = try await database.select().column("product_id").from("builds")
                .where("hash", .equal, artifact.build.rawValue).first()
            else {
                throw HeraldError.unknownBuild(artifact.build.rawValue)
            }
            let product = try ProductID(validating: try build.decode(column: "product_id", as: String.self))
            _ = try await lockProduct(product, in: database)
            // The build may have been removed while the product was not yet locked.
            guard try await database.select().column("hash").from("builds").where("hash", .equal, artifact.build.rawValue).first() != nil
            else {
                throw HeraldError.unknownBuild(artifact.build.rawValue)
            }
            let replaced = try await database.select().column("blob").from("build_artifacts")
                .where("build_hash", .equal, artifact.build.rawValue).where("platform", .equal, artifact.platform.rawValue)
                .first()
                .map { try BuildHash(validating: try $0.decode(column: "blob", as: String.self)) }
            try await database.delete(from: "build_artifacts")
                .where("build_hash", .equal, artifact.build.rawValue).where("platform", .equal, artifact.platform.rawValue)
                .run()
            try await database.insert(into: "build_artifacts")
                .columns(
                    "build_hash", "platform", "blob", "size", "file_name", "sha384", "sha512", "blake2b", "ed_signature", "uploaded_at")
                .values(
                    SQLBind(artifact.build.rawValue), SQLBind(artifact.platform.rawValue), SQLBind(artifact.blob.rawValue),
                    SQLBind(artifact.size), SQLBind(artifact.fileName.rawValue), SQLBind(artifact.sha384), SQLBind(artifact.sha512),
                    SQLBind(artifact.blake2b), SQLBind(artifact.edSignature), SQLBind(artifact.uploadedAt))
                .run()
            try await whileLocked()
            return replaced == artifact.blob ? nil : replaced
        }
    }

    /// The platform files of `builds`, by build, each build's by platform.
    public func artifacts(of builds: [BuildHash]) async throws -> [BuildHash: [Artifact]] {
        guard !builds.isEmpty else { return [:] }
        let rows = try await withDatabase { database in
            try await database.select().column("*").from("build_artifacts")
                .where("build_hash", .in, builds.map(\.rawValue))
                .orderBy("build_hash").orderBy("platform")
                .all()
        }
        var found: [BuildHash: [Artifact]] = [:]
        for row in rows {
            let artifact = try Artifact(row: row)
            found[artifact.build, default: []].append(artifact)
        }
        return found
    }
}

extension Artifact {
    init(row: any SQLRow) throws {
        self = try decodingStored("build_artifacts") {
            Artifact(
                build: try BuildHash(validating: try row.decode(column: "build_hash", as: String.self)),
                platform: try Platform(validating: try row.decode(column: "platform", as: String.self)),
                blob: try BuildHash(validating: try row.decode(column: "blob", as: String.self)),
                size: try row.decode(column: "size", as: Int64.self),
                fileName: try FileName(validating: try row.decode(column: "file_name", as: String.self)),
                sha384: try row.decode(column: "sha384", as: String.self),
                sha512: try row.decode(column: "sha512", as: String.self),
                blake2b: try row.decode(column: "blake2b", as: String.self),
                edSignature: try row.decode(column: "ed_signature", as: String.self),
                uploadedAt: try row.decode(column: "uploaded_at", as: Int64.self))
        }
    }
}
