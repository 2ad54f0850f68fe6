import Crypto
import HTTPTypes
import HeraldStore
import NIOCore
import Synchronization

/// Signs every answer Herald gives a site, so a site can trust it whoever carried it: an
/// Ed25519 signature, with the key packages are signed with (`/api/signing_key`), over the
/// exact bytes of the body before any content coding, in ``header``.
///
/// Many sites get the very same bytes (every site on a version, on a channel, in an hour), so
/// the signatures of recent bodies are kept by the bodies' SHA-256: a body asked about again
/// costs a hash, not a signature. What is kept is a few hundred kilobytes at most, whatever
/// the bodies, and dropped whole when full.
final class AnswerSignatures: Sendable {
    /// The response header that carries the signature, base64.
    static let header = "X-Herald-Signature"
    static let field = HTTPField.Name(header)!
    /// How many recent bodies' signatures are kept.
    private static let keptLimit = 4096

    private let signer: PackageSigner
    private let kept = Mutex<[SHA256Digest: String]>([:])

    init(signer: PackageSigner) {
        self.signer = signer
    }

    /// The base64 Ed25519 signature of `body`'s readable bytes.
    func signature(of body: ByteBuffer) -> String {
        let digest = body.withUnsafeReadableBytes { SHA256.hash(data: $0) }
        if let known = kept.withLock({ $0[digest] }) { return known }
        let signature = signer.sign(bytes: body.readableBytesView)
        kept.withLock { kept in
            if kept.count >= Self.keptLimit { kept.removeAll(keepingCapacity: true) }
            kept[digest] = signature
        }
        return signature
    }

    /// Seconds since 1970 until which an answer made `now` may be trusted: the end of the day
    /// that begins with `now`'s hour. Every answer of an hour names the same time, so
    /// identical answers stay identical bytes.
    static func expiry(now seconds: Int) -> Int {
        seconds - seconds % 3600 + 24 * 3600
    }
}
