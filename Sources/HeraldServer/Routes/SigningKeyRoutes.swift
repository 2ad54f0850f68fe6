import Foundation
import HeraldStore
import Hummingbird

/// `GET /api/signing_key`: the public key packages are signed with, for a site's
/// `wp_trusted_keys`, a Sparkle app's `SUPublicEDKey` (the same base64 key), and, as a
/// minisign public key, a Tauri app's updater `pubkey`. An updater that was not given the
/// key fetches it once and pins it.
struct SigningKeyRoutes<Context: RequestContext> {
    let signer: PackageSigner

    private struct Key: Encodable, Sendable {
        let publicKey: String
        let algorithm = "ed25519"
        let signs = "the raw SHA-384 digest of the file"
        /// The minisign public key file.
        let minisignPublicKey: String
        /// The same, base64: what a Tauri app's `plugins.updater.pubkey` holds.
        let tauriPublicKey: String

        enum CodingKeys: String, CodingKey {
            case publicKey = "public_key", algorithm, signs, minisignPublicKey = "minisign_public_key", tauriPublicKey = "tauri_public_key"
        }
    }

    func register(on router: Router<Context>) {
        router.get("/api/signing_key") { _, _ in
            let minisign = signer.minisignPublicKey
            return try envelopeResponse(
                Key(publicKey: signer.publicKey, minisignPublicKey: minisign, tauriPublicKey: Data(minisign.utf8).base64EncodedString()))
        }
    }
}
