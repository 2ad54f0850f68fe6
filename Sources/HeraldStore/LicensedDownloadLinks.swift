import Crypto
import Foundation
import HeraldCore
import Synchronization

/// Signed, expiring download links for licensed sites.
///
/// A link names the product, the build, the license and its expiry, and carries an
/// HMAC-SHA256 of the four under a secret every instance shares (``Store/serverSecret(named:)``),
/// so any instance can check a link another made, and changing any part of it breaks it.
/// The license is looked up again on every download, so revoking it stops its links at once.
public final class LicensedDownloadLinks: Sendable {
    /// One link's parts, as the download route reads them from the URL.
    public struct Link: Sendable {
        public var product: ProductID
        public var build: BuildHash
        public var licenseID: String
        /// Seconds since 1970.
        public var expires: Int64
        public var signature: String

        public init(product: ProductID, build: BuildHash, licenseID: String, expires: Int64, signature: String) {
            self.product = product
            self.build = build
            self.licenseID = licenseID
            self.expires = expires
            self.signature = signature
        }

        /// The query string after the link's path.
        public var query: String { "license=\(licenseID)&expires=\(expires)&signature=\(signature)" }
    }

    private let store: any Store
    /// How long a link works after it is made.
    public let lifetime: Duration
    private let key = Mutex<SymmetricKey?>(nil)

    public init(store: any Store, lifetime: Duration) {
        self.store = store
        self.lifetime = lifetime
    }

    /// A link to `build` for `license`, valid for ``lifetime`` from `now` (seconds since 1970).
    public func link(to build: Build, license: License, now: Int64) async throws -> Link {
        let expires = now + lifetime.components.seconds
        let signature = try await sign(product: build.product, build: build.hash, licenseID: license.id, expires: expires)
        return Link(product: build.product, build: build.hash, licenseID: license.id, expires: expires, signature: signature)
    }

    /// ``link(to:license:now:)`` made at once: nil until the signing key has been read.
    public func linkNow(to build: Build, license: License, now: Int64) -> Link? {
        guard let key = key.withLock({ $0 }) else { return nil }
        let expires = now + lifetime.components.seconds
        let signature = Self.signature(product: build.product, build: build.hash, licenseID: license.id, expires: expires, key: key)
        return Link(product: build.product, build: build.hash, licenseID: license.id, expires: expires, signature: signature)
    }

    /// The license the link was made for, when the link is intact and unexpired and the
    /// license still active and covering the product; throws `link_invalid`, `link_expired`,
    /// `license_revoked`, `license_expired` or `license_invalid` otherwise.
    public func verify(_ link: Link, now: Int64) async throws -> License {
        let expected = try await sign(product: link.product, build: link.build, licenseID: link.licenseID, expires: link.expires)
        guard constantTimeEqual(expected, link.signature.lowercased()) else { throw HeraldError.linkInvalid }
        guard now < link.expires else { throw HeraldError.linkExpired }
        guard let license = try await store.license(id: link.licenseID), license.products.contains(link.product) else {
            throw HeraldError.licenseInvalid(for: link.product)
        }
        switch license.status(at: now * 1000, for: link.product) {
        case .revoked: throw HeraldError.licenseRevoked(license.keyLast4)
        case .expired: throw HeraldError.licenseExpired(license.keyLast4)
        case .active: return license
        }
    }

    private func sign(product: ProductID, build: BuildHash, licenseID: String, expires: Int64) async throws -> String {
        Self.signature(product: product, build: build, licenseID: licenseID, expires: expires, key: try await signingKey())
    }

    private static func signature(product: ProductID, build: BuildHash, licenseID: String, expires: Int64, key: SymmetricKey) -> String {
        let message = "herald-download-link-v1\n\(product)\n\(build)\n\(licenseID)\n\(expires)"
        return HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key).hexString
    }

    private func signingKey() async throws -> SymmetricKey {
        if let known = key.withLock({ $0 }) { return known }
        let secret = try await store.serverSecret(named: "download_links")
        let loaded = SymmetricKey(data: Data(secret.utf8))
        key.withLock { $0 = loaded }
        return loaded
    }
}
