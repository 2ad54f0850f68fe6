import Crypto
import Foundation
import HeraldCore
import HeraldFormats
import NIOPosix

/// Adds an uploaded file to an app build as its file for one platform: the digests and
/// signatures every desktop feed names are made once, here, then the file is stored and
/// recorded in one step, replacing the build's earlier file for that platform.
public struct ArtifactIntake: Sendable {
    let store: any Store
    let blobs: BlobStore
    let signer: PackageSigner

    public init(store: any Store, blobs: BlobStore, signer: PackageSigner) {
        self.store = store
        self.blobs = blobs
        self.signer = signer
    }

    /// Adds the completed file of `writer` to `build` for `platform`. Discards the file on failure.
    public func add(
        _ writer: BlobWriter, to build: Build, platform: Platform, fileName: FileName, at time: Int64 = currentTimeMillis()
    ) async throws -> Artifact {
        do {
            let blob = try await writer.complete()
            let path = writer.path
            let signer = signer
            let (sha512, blake2b, edSignature) = try await NIOThreadPool.singleton.runIfActive {
                let (sha512, blake2b) = try Self.digests(ofFileAt: path)
                return (sha512, blake2b, try signer.signature(ofFileAt: path))
            }
            let artifact = Artifact(
                build: build.hash, platform: platform, blob: blob.hash, size: blob.size, fileName: fileName, sha384: blob.sha384,
                sha512: sha512, blake2b: blake2b, edSignature: edSignature, uploadedAt: time)
            var placed = false
            let replaced: BuildHash?
            do {
                replaced = try await blobs.publishing {
                    placed = try await writer.stage()
                    return try await store.addArtifact(artifact) { placed = try await writer.commit() || placed }
                }
            } catch {
                // The file this failed step placed, unless something else uses it.
                if placed { _ = try? await blobs.removeUnused([blob.hash]) { try await !store.isBlobUsed($0) } }
                throw error
            }
            // Noted first, so a file left by another instance's publish, or a crash, is
            // deleted at the next start.
            if let replaced {
                try? await blobs.removing([replaced]) {
                    let deleted = try await blobs.removeUnused([replaced]) { try await !store.isBlobUsed($0) }
                    return ((), finished: deleted != nil)
                }
            }
            return artifact
        } catch {
            writer.discard()
            throw error
        }
    }

    /// SHA-512 and BLAKE2b-512 of a file, in hex, read once a megabyte at a time.
    static func digests(ofFileAt path: String) throws -> (sha512: String, blake2b: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BlobStoreError(operation: "open", path: path, code: errno) }
        defer { try? handle.close() }
        var sha512 = SHA512()
        var blake2b = BLAKE2b()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { bytes in
                sha512.update(bufferPointer: bytes)
                blake2b.update(bufferPointer: bytes)
            }
        }
        return (sha512.finalize().hexString, blake2b.finalize().hexString)
    }
}
