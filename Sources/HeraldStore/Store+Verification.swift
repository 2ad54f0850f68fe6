import Foundation
import HeraldCore
import SQLKit

extension Store {
    /// What is wrong between the database and the blob folder, one sentence each; empty when
    /// nothing is. What a crash at any point, or a bug, could leave behind:
    ///
    /// - a channel whose latest or pinned build is not a stored build of its product;
    /// - a channel's history that does not chain: each move of a pointer starts where the one
    ///   before it ended, the first from nothing, and the last ends where the pointer is;
    /// - a build or a build's file whose blob is missing, or (with `readingContents`) whose
    ///   bytes no longer have the hash it is stored under;
    /// - a blob older than `orphanAge` that no build, build file or platform file uses (a younger one
    ///   may belong to an upload still being published).
    public func inconsistencies(blobs: BlobStore, readingContents: Bool, orphanAge: TimeInterval = 60) async throws -> [String] {
        var found: [String] = []
        let (channels, builds, files, moves, artifacts) = try await withDatabase { database in
            (
                try await database.select().columns("product_id", "id", "latest_build", "active_build").from("channels")
                    .orderBy("product_id").orderBy("id").all(),
                try await database.select().columns("hash", "product_id").from("builds").all(),
                try await database.select().columns("build_hash", "path", "blob", "gzip_blob").from("build_files").all(),
                try await database.select().columns("product_id", "channel_id", "pointer", "from_build", "to_build", "sequence")
                    .from("channel_moves").orderBy("product_id").orderBy("channel_id").orderBy("sequence").all(),
                try await database.select().columns("build_hash", "platform", "blob").from("build_artifacts").all()
            )
        }
        var productOfBuild: [String: String] = [:]
        for row in builds {
            productOfBuild[try row.decode(column: "hash", as: String.self)] = try row.decode(column: "product_id", as: String.self)
        }

        var pointers: [String: String?] = [:]
        for row in channels {
            let product = try row.decode(column: "product_id", as: String.self)
            let channel = try row.decode(column: "id", as: String.self)
            for (pointer, column) in [("latest", "latest_build"), ("active", "active_build")] {
                let build = try row.decode(column: column, as: String?.self)
                pointers["\(product)/\(channel)/\(pointer)"] = build
                if let build, productOfBuild[build] != product {
                    found.append("channel \(product)/\(channel): its \(column) \(build) is not a stored build of \(product)")
                }
            }
        }

        var ends: [String: String?] = [:]
        for row in moves {
            let key = [
                try row.decode(column: "product_id", as: String.self), try row.decode(column: "channel_id", as: String.self),
                try row.decode(column: "pointer", as: String.self),
            ].joined(separator: "/")
            let from = try row.decode(column: "from_build", as: String?.self)
            let expected = ends[key] ?? nil
            if from != expected {
                let sequence = try row.decode(column: "sequence", as: Int64.self)
                found.append("history of \(key): move \(sequence) starts from \(from ?? "nothing"), but the move before it ended at \(expected ?? "nothing")")
            }
            ends[key] = .some(try row.decode(column: "to_build", as: String?.self))
        }
        for (key, end) in ends.sorted(by: { $0.key < $1.key }) {
            guard let pointer = pointers[key], pointer != end else { continue }
            found.append("history of \(key): the last move ends at \(end ?? "nothing"), but the pointer is at \(pointer ?? "nothing")")
        }

        var used: Set<String> = Set(productOfBuild.keys)
        var needed: [(blob: String, what: String)] = productOfBuild.keys.sorted().map { ($0, "build \($0)") }
        for row in files {
            let build = try row.decode(column: "build_hash", as: String.self)
            let path = try row.decode(column: "path", as: String.self)
            for column in ["blob", "gzip_blob"] {
                guard let blob = try row.decode(column: column, as: String?.self) else { continue }
                used.insert(blob)
                needed.append((blob, "file \(path) of build \(build)"))
            }
        }
        for row in artifacts {
            let blob = try row.decode(column: "blob", as: String.self)
            used.insert(blob)
            needed.append(
                (blob, "the \(try row.decode(column: "platform", as: String.self)) file of build \(try row.decode(column: "build_hash", as: String.self))"))
        }
        for (blob, what) in needed {
            guard let hash = try? BuildHash(validating: blob), try await blobs.contains(hash) else {
                found.append("\(what): its blob \(blob) is missing")
                continue
            }
            if readingContents, try await blobs.sha256(of: hash) != blob {
                found.append("\(what): the bytes of its blob \(blob) no longer have that SHA-256")
            }
        }

        let stored = try await blobs.storedBlobs()
        let cutoff = Date().addingTimeInterval(-orphanAge)
        for (hash, modified) in stored.blobs where !used.contains(hash.rawValue) && modified < cutoff {
            found.append("blob \(hash) is used by no build and no build file")
        }
        for stray in stored.strays {
            found.append("\(stray) is in the blob folder but is not a blob")
        }
        return found
    }
}

extension Store {
    /// Deletes the blobs that publishes and removals of instances which have ended noted
    /// (``BlobStore/placedByEndedInstances``) and that no build and no build file uses, and
    /// returns them: what a crash between placing a blob and committing its build, or between
    /// removing a build and deleting its blobs, leaves. Nothing, and the notes kept for the
    /// next start, while another instance is publishing.
    public func removeOrphanBlobs(_ blobs: BlobStore) async throws -> [BuildHash] {
        let used = try await usedBlobs(among: blobs.placedByEndedInstances)
        return try await blobs.removeOrphans { hash in
            guard !used.contains(hash) else { return false }
            return try await !isBlobUsed(hash)
        } ?? []
    }

    /// Every blob a build, a build's file or a platform file uses: what a restore must bring back.
    public func blobsInUse() async throws -> Set<BuildHash> {
        let found = try await withDatabase { database in
            var found: [String] = []
            for (table, column) in [("builds", "hash"), ("build_files", "blob"), ("build_files", "gzip_blob"), ("build_artifacts", "blob")] {
                found += try await database.select().distinct().column(column).from(table).where(column, .isNot, SQLLiteral.null).all()
                    .map { try $0.decode(column: column, as: String.self) }
            }
            return found
        }
        return Set(try found.map { try BuildHash(validating: $0) })
    }

    /// Those of `blobs` that a build or a build's file uses, asked a few hundred at a time.
    private func usedBlobs(among blobs: [BuildHash]) async throws -> Set<BuildHash> {
        var used: Set<BuildHash> = []
        for start in stride(from: 0, to: blobs.count, by: 500) {
            let batch = blobs[start..<min(blobs.count, start + 500)].map(\.rawValue)
            let found = try await withDatabase { database in
                var found: [String] = []
                for (table, column) in [("builds", "hash"), ("build_files", "blob"), ("build_files", "gzip_blob"), ("build_artifacts", "blob")] {
                    found += try await database.select().column(column).from(table).where(column, .in, batch).all()
                        .map { try $0.decode(column: column, as: String.self) }
                }
                return found
            }
            used.formUnion(found.compactMap { try? BuildHash(validating: $0) })
        }
        return used
    }
}
