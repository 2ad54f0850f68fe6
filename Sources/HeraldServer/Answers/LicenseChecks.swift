import Crypto
import Foundation
import HeraldCore
import HeraldStore
import Synchronization

/// Licenses that sites present, checked against the store and remembered for a moment, so a
/// licensed site's question costs no database query either while its license is unchanged.
///
/// A license is remembered by the SHA-256 of its key (never the key), with the sites already
/// activated on it, for at most ``lifetime``. Any committed write to a product (a revocation
/// counts as one, ``Store/revokeLicense(_:)``) forgets every license here at once; another
/// instance's revocation is seen within ``lifetime``. What the store refuses is not remembered.
final class LicenseChecks: Sendable {
    private struct Entry {
        var license: License
        /// SHA-256 of each site seen active on the license.
        var sites: Set<String>
        let checkedAt: ContinuousClock.Instant
    }

    private let store: any Store
    let lifetime: Duration
    /// Past this many licenses, the remembered ones are forgotten, so held memory stays bounded.
    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(store: any Store, lifetime: Duration = .milliseconds(500), capacity: Int = 50_000) {
        self.store = store
        self.lifetime = lifetime
        self.capacity = capacity
        store.catalogChanges.observe { [weak self] _ in self?.entries.withLock { $0.removeAll() } }
    }

    /// The license with `key`, valid for `product` and active on `site` (normalised, or empty);
    /// its 403 error otherwise, as ``Store/checkLicense(key:for:site:)`` says.
    func check(key: String, for product: ProductID, site: String) async throws -> License {
        let digest = SHA256.hash(data: Data(key.utf8)).hexString
        let siteDigest = SHA256.hash(data: Data(site.utf8)).hexString
        if let license = remembered(digest, product: product, siteDigest: siteDigest) { return license }
        let license = try await store.checkLicense(key: key, for: product, site: site)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            var entry = entries[digest].flatMap { ContinuousClock.now - $0.checkedAt < lifetime ? $0 : nil }
                ?? Entry(license: license, sites: [], checkedAt: .now)
            entry.license = license
            entry.sites.insert(siteDigest)
            entries[digest] = entry
        }
        return license
    }

    private func remembered(_ digest: String, product: ProductID, siteDigest: String) -> License? {
        entries.withLock { entries in
            guard let entry = entries[digest], ContinuousClock.now - entry.checkedAt < lifetime, entry.license.products.contains(product),
                entry.license.status(at: currentTimeMillis()) == .active, entry.license.siteLimit == nil || entry.sites.contains(siteDigest)
            else { return nil }
            return entry.license
        }
    }
}
