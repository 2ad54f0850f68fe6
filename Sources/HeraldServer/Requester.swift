import HTTPTypes
import HeraldCore
import HeraldStore

/// Who asks a question whose answer depends on the asker: the site's address (`site_url`,
/// `install_id`, or the site WordPress names in its `User-Agent`) and, when a key is sent,
/// the license, checked and activated for that site.
struct Requester: Sendable {
    /// The site's normalised address (``SiteAddress``), or nil when it gave none.
    var site: String?
    /// The address as sent, which display messages' URL patterns match.
    var siteURL: String?
    var license: License?

    /// Reads the asker from `fields` and `headers`; a license that is unknown, not for
    /// `product`, expired, revoked or over its site limit throws its 403 error.
    static func read(_ fields: RequestFields, headers: HTTPFields, product: ProductID, store: any Store) async throws -> Requester {
        let siteURL = fields["site_url"] ?? fields["install_id"] ?? Self.siteURL(fromUserAgent: headers[.userAgent])
        let site = siteURL.flatMap(SiteAddress.normalize)
        var license: License?
        if let key = fields["license"] ?? fields["license_key"] {
            license = try await store.checkLicense(key: key, for: product, site: site ?? "")
        }
        return Requester(site: site, siteURL: siteURL, license: license)
    }

    /// The site in WordPress's `User-Agent: WordPress/6.1.9; https://example.com`.
    static func siteURL(fromUserAgent agent: String?) -> String? {
        guard let agent, agent.hasPrefix("WordPress/"), let separator = agent.firstIndex(of: ";") else { return nil }
        let site = agent[agent.index(after: separator)...].trimmingWhitespace()
        return site.isEmpty ? nil : site
    }

    /// The customer channel the site's license binds it to, when `product` has that channel:
    /// the site is answered from it, whatever channel it named.
    func boundChannel(of product: ProductID, store: any Store) async throws -> ChannelID? {
        guard let bound = license?.channel, try await store.channel(bound, of: product) != nil else { return nil }
        return bound
    }

    /// The display messages of `product` that reach this asker on `channel`, as notices.
    func notices(from messages: [DisplayMessage], channel: ChannelID, requested: ChannelID, now: Int64) -> [Notice] {
        messages.filter { $0.applies(channel: channel, requestedChannel: requested, site: siteURL, licenseID: license?.id, at: now) }
            .map(\.notice)
    }
}
