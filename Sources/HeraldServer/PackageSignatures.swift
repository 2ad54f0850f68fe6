import HeraldCore
import HeraldStore

/// The Ed25519 signature of each build's file, as WordPress core checks it.
///
/// A build's SHA-384 is computed while it uploads; one stored before signatures existed has
/// its file read once, at its first download, and the digest recorded.
struct PackageSignatures: Sendable {
    let signer: PackageSigner
    let store: any Store
    let blobs: BlobStore

    /// Base64, the value of `X-Content-Signature` and of the `.sig` file.
    func signature(of build: Build) async throws -> String {
        if let sha384 = build.sha384 {
            return try signer.signature(sha384: sha384)
        }
        let sha384 = try await blobs.sha384(of: build.hash)
        try await store.recordSHA384(sha384, of: build.hash)
        return try signer.signature(sha384: sha384)
    }
}
