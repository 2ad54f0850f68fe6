import Crypto
import Foundation
import HeraldCore
import HeraldStore
import Synchronization

/// Licenses that sites present, checked against the store and remembered for a moment, so a
/// licensed site's question costs no database query either while its license is unchanged.
///
/// A license is remembered by the SHA-256 of its key (never the key), with the sites known to
/// be active on it. Every write that changes what a license allows writes to the products it
/// covers (a revocation, ``Store/revokeLicense(_:)``, and a binding to a customer channel
/// raise their revisions), so any committed write to a product forgets every license here at
/// once: this instance's at its commit, another instance's at the next poll of revisions
/// (``CatalogSnapshots/observePolledChanges(_:)``, every 250 ms). A read begun before such a
/// write is not kept. For ``freshFor`` a license is used as read; until ``usableFor`` it is
/// still used while one check reads it again in the background, so sites never wait on the
/// database for a license already seen. Nothing remembered is used while the polls fail (none
/// begun within ``pollsWithin`` succeeded): another instance's revocation would go unseen.
/// What the store refuses for a product is not used for it again until a read accepts it.
final class LicenseChecks: Sendable {
    private struct Entry {
        var license: License
        /// SHA-256 of each site seen active on the license (a deactivation writes to the
        /// license's products, which forgets the entry).
        var sites: Set<String>
        /// When the read this entry holds began.
        var readAt: ContinuousClock.Instant
        var refreshing = false
        /// Products the store refused the license for since: a license shared by several
        /// products may be refused for one of them (revoked there) and stay good for the others.
        var refused: Set<ProductID> = []
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Raised by every product write, so a read begun before it is not kept.
        var generation: UInt64 = 0
    }

    private let store: any Store
    private let snapshots: CatalogSnapshots
    let freshFor: Duration
    /// How recent the last successful poll of revisions must be for remembered licenses to be used.
    let pollsWithin: Duration = .milliseconds(750)
    let usableFor: Duration
    /// Past this many licenses, the remembered ones are forgotten, so held memory stays bounded.
    private let capacity: Int
    private let state = Mutex(State())
    /// The salt of activated sites (``Store/licenseSiteSalt()``), read once.
    private let siteSalt = Mutex<String?>(nil)

    init(
        store: any Store, snapshots: CatalogSnapshots, freshFor: Duration = .seconds(30), usableFor: Duration = .seconds(60),
        capacity: Int = 50_000
    ) {
        self.store = store
        self.snapshots = snapshots
        self.freshFor = freshFor
        self.usableFor = usableFor
        self.capacity = capacity
        store.catalogChanges.observe { [weak self] _ in self?.forgetAll() }
        snapshots.observePolledChanges { [weak self] _ in self?.forgetAll() }
    }

    private func forgetAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation &+= 1
        }
    }

    /// The license with `key`, valid for `product` and active on `site` (normalised, or empty);
    /// its 403 error otherwise, as ``Store/checkLicense(key:for:site:siteSalt:)`` says.
    func check(key: String, for product: ProductID, site: String) async throws -> License {
        let digest = SHA256.hash(data: Data(key.utf8)).hexString
        let siteDigest = SHA256.hash(data: Data(site.utf8)).hexString
        if let license = remembered(key: key, digest: digest, product: product, site: site, siteDigest: siteDigest) { return license }
        return try await read(key: key, digest: digest, product: product, site: site, siteDigest: siteDigest)
    }

    /// ``check(key:for:site:)`` answered at once from what is remembered: nil when the store
    /// must be asked (a license not seen lately, a site not seen active on it, a refusal).
    func checkNow(key: String, for product: ProductID, site: String) -> License? {
        remembered(
            key: key, digest: SHA256.hash(data: Data(key.utf8)).hexString, product: product, site: site,
            siteDigest: SHA256.hash(data: Data(site.utf8)).hexString)
    }

    /// The remembered license, still usable, covering `product`, active and known active on the
    /// site; read again in the background once it is no longer fresh.
    private func remembered(key: String, digest: String, product: ProductID, site: String, siteDigest: String) -> License? {
        guard snapshots.polled(within: pollsWithin) else { return nil }
        let now = ContinuousClock.now
        let (license, refresh): (License?, Bool) = state.withLock { state in
            guard var entry = state.entries[digest], now - entry.readAt < usableFor, entry.license.products.contains(product),
                !entry.refused.contains(product),
                entry.license.status(at: currentTimeMillis(), for: product) == .active, entry.license.siteLimit == nil || entry.sites.contains(siteDigest)
            else { return (nil, false) }
            let refresh = now - entry.readAt >= freshFor && !entry.refreshing
            if refresh {
                entry.refreshing = true
                state.entries[digest] = entry
            }
            return (entry.license, refresh)
        }
        if refresh {
            Task { _ = try? await self.read(key: key, digest: digest, product: product, site: site, siteDigest: siteDigest) }
        }
        return license
    }

    private func salt() async throws -> String {
        if let salt = siteSalt.withLock({ $0 }) { return salt }
        let salt = try await store.licenseSiteSalt()
        siteSalt.withLock { $0 = salt }
        return salt
    }

    private func read(key: String, digest: String, product: ProductID, site: String, siteDigest: String) async throws -> License {
        let (generation, started) = state.withLock { ($0.generation, ContinuousClock.now) }
        do {
            let license = try await store.checkLicense(key: key, for: product, site: site, siteSalt: try await salt())
            state.withLock { state in
                guard state.generation == generation else { return }
                if state.entries.count >= capacity { state.entries.removeAll() }
                var entry = state.entries[digest] ?? Entry(license: license, sites: [], readAt: started)
                if entry.readAt <= started {
                    entry.license = license
                    entry.readAt = started
                }
                entry.sites.insert(siteDigest)
                entry.refreshing = false
                entry.refused.remove(product)
                state.entries[digest] = entry
            }
            return license
        } catch {
            // Refused for this product (revoked, expired, not covering it): the next request for
            // it asks the store and gets the refusal. A refusal of one site (the site limit) or a
            // failed read changes nothing remembered.
            let productRefusal = ["license_revoked", "license_expired", "license_invalid"].contains((error as? HeraldError)?.code ?? "")
            state.withLock { state in
                if productRefusal { state.entries[digest]?.refused.insert(product) }
                state.entries[digest]?.refreshing = false
            }
            throw error
        }
    }
}
