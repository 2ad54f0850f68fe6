import HeraldStore
import Hummingbird

/// `GET /api/signing_key`: the public key packages are signed with, for a site's
/// `wp_trusted_keys`. An updater that was not given the key fetches it once and pins it.
struct SigningKeyRoutes<Context: RequestContext> {
    let signer: PackageSigner

    private struct Key: Encodable, Sendable {
        let publicKey: String
        let algorithm = "ed25519"
        let signs = "the raw SHA-384 digest of the file"

        enum CodingKeys: String, CodingKey {
            case publicKey = "public_key", algorithm, signs
        }
    }

    func register(on router: Router<Context>) {
        router.get("/api/signing_key") { _, _ in try envelopeResponse(Key(publicKey: signer.publicKey)) }
    }
}
