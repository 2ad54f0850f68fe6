import HeraldCore

/// The one way a received file becomes a published build, for uploads over HTTP and for
/// `herald import` alike: read the zip's metadata, settle the version (the request's must
/// agree with the zip's), and publish, moving the file into the blob store under the
/// product's lock. A publish that fails leaves no file behind.
public struct BuildIntake: Sendable {
    /// What the sender said about the file; nil fields come from inside the zip.
    public struct Fields: Sendable {
        public var version: String?
        public var fileName: FileName
        public var builder = Build.Builder()
        public var uploadedBy: String?
        public var requires: String?
        public var tested: String?
        public var requiresPHP: String?
        public var changelog: String?
        /// The release date as written where the build came from (seed 002's release.json).
        public var releaseDate: String?
        /// What desktop updaters are told about an app build.
        public var app = AppDetails()

        public init(version: String?, fileName: FileName) {
            self.version = version
            self.fileName = fileName
        }
    }

    let store: any Store
    let blobs: BlobStore

    public init(store: any Store, blobs: BlobStore) {
        self.store = store
        self.blobs = blobs
    }

    /// Publishes the completed file of `writer` to `channel`. Discards the file on failure.
    public func publish(
        _ writer: BlobWriter, of product: Product, to channel: ChannelID, fields: Fields, actor: String,
        at timestamp: Int64 = currentTimeMillis()
    ) async throws -> Build {
        do {
            let blob = try await writer.complete()
            let metadata: BuildMetadata
            do {
                metadata = try await BuildArchive.inspect(path: writer.path, kind: product.kind)
            } catch let error as HeraldError where error.code == "invalid_archive" && product.kind == .app {
                metadata = BuildMetadata()
            }
            let version = try BuildMetadata.resolveVersion(requested: fields.version, inArchive: metadata)
            let build = Build(
                hash: blob.hash, md5: blob.md5, product: product.id, version: version, channel: channel, timestamp: timestamp,
                builder: fields.builder, uploadedBy: fields.uploadedBy ?? actor, size: blob.size, fileName: fields.fileName,
                requires: fields.requires ?? metadata.requires, tested: fields.tested ?? metadata.tested,
                requiresPHP: fields.requiresPHP ?? metadata.requiresPHP, changelog: fields.changelog ?? metadata.changelog,
                sha384: blob.sha384, details: metadata.wordPressDetails, releaseDate: fields.releaseDate, app: fields.app)
            try Self.validateFreeText(build)
            try build.app.validate()
            let extensions = try await BuildArchive.extensionManifests(path: writer.path)
            // Blobs are stored and the build that uses them committed while no blob is deleted.
            var stored: [BuildHash] = []
            do {
                return try await blobs.publishing {
                    let files = product.kind == .app ? try await BuildFileExtraction.extract(zipAt: writer.path, into: blobs) : nil
                    stored = (files ?? []).flatMap { [$0.blob] + ($0.gzipBlob.map { [$0] } ?? []) }
                    if try await writer.stage() { stored.append(build.hash) }
                    return try await store.publish(build, files: files, extensions: extensions, actor: actor) {
                        if try await writer.commit() { stored.append(build.hash) }
                    }
                }
            } catch {
                // What the failed publish stored, unless another build uses it.
                _ = try? await blobs.removeUnused(stored) { try await !store.isBlobUsed($0) }
                throw error
            }
        } catch {
            writer.discard()
            throw error
        }
    }

    /// Free-text fields are stored as given, but within reason.
    private static func validateFreeText(_ build: Build) throws {
        let limits: [(String, String?, Int)] = [
            ("builder_name", build.builder.name, 200), ("builder_version", build.builder.version, 64),
            ("uploaded_by", build.uploadedBy, 320), ("requires", build.requires, 64), ("tested", build.tested, 64),
            ("requires_php", build.requiresPHP, 64), ("changelog", build.changelog, 1 << 20),
        ]
        for (name, value, limit) in limits {
            if let value, value.utf8.count > limit {
                throw HeraldError.invalidInput("\(name) is longer than \(limit) bytes")
            }
        }
    }
}
