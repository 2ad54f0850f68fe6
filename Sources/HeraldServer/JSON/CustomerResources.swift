import HeraldCore
import HeraldStore

/// A license as the API shows it: never the key, only its last four characters.
struct LicenseResource: Encodable, Sendable {
    let license: License

    enum CodingKeys: String, CodingKey {
        case id, keyLast4 = "key_last4", customerName = "customer_name", customerEmail = "customer_email", products, channel
        case expiresAt = "expires_at", siteLimit = "site_limit", status, createdAt = "created_at", channels
        case revokedProducts = "revoked_products"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(license.id, forKey: .id)
        try container.encode(license.keyLast4, forKey: .keyLast4)
        try container.encode(license.customerName, forKey: .customerName)
        try container.encode(license.customerEmail, forKey: .customerEmail)
        try container.encode(license.products.map(\.rawValue).sorted(), forKey: .products)
        // One channel when every bound product uses the same one (how a license is issued);
        // each product's in `channels`.
        let bound = Set(license.channels.values)
        try container.encode(bound.count == 1 ? bound.first : nil, forKey: .channel)
        try container.encode(
            Dictionary(uniqueKeysWithValues: license.channels.map { ($0.key.rawValue, $0.value.rawValue) }), forKey: .channels)
        try container.encode(license.revokedProducts.map(\.rawValue).sorted(), forKey: .revokedProducts)
        try container.encode(license.expiresAt.map(Moment.iso), forKey: .expiresAt)
        try container.encode(license.siteLimit, forKey: .siteLimit)
        try container.encode(license.status(at: currentTimeMillis()).rawValue, forKey: .status)
        try container.encode(Moment.iso(license.createdAt), forKey: .createdAt)
    }
}

/// A site a license is active on: `{"site", "activated_at"}`.
struct LicenseSiteResource: Encodable, Sendable {
    let site: String?
    let activatedAt: String

    enum CodingKeys: String, CodingKey {
        case site, activatedAt = "activated_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(site, forKey: .site)
        try container.encode(activatedAt, forKey: .activatedAt)
    }
}

/// A newly issued license, with its key: the only answer that ever holds it.
struct IssuedLicenseResource: Encodable, Sendable {
    let license: LicenseResource
    let key: String
}

/// A display message as the API shows it.
struct MessageResource: Encodable, Sendable {
    let message: DisplayMessage

    enum CodingKeys: String, CodingKey {
        case id, product, type, text, code, channels, urlPattern = "url_pattern", licenses, from, until, createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(message.id, forKey: .id)
        try container.encode(message.product, forKey: .product)
        try container.encode(message.level.rawValue, forKey: .type)
        try container.encode(message.text, forKey: .text)
        try container.encode(message.code, forKey: .code)
        try container.encode(message.channels, forKey: .channels)
        try container.encode(message.urlPattern, forKey: .urlPattern)
        try container.encode(message.licenses, forKey: .licenses)
        try container.encode(message.startsAt.map(Moment.iso), forKey: .from)
        try container.encode(message.endsAt.map(Moment.iso), forKey: .until)
        try container.encode(Moment.iso(message.createdAt), forKey: .createdAt)
    }
}

/// A channel's staged rollout.
struct RolloutResource: Encodable, Sendable {
    let rollout: Rollout

    enum CodingKeys: String, CodingKey {
        case product, channel, build, percentage, paused, startedAt = "started_at", updatedAt = "updated_at"
        case haltAfterReports = "halt_after_reports", haltMargin = "halt_margin", halted, haltReason = "halt_reason"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rollout.product, forKey: .product)
        try container.encode(rollout.channel, forKey: .channel)
        try container.encode(rollout.build, forKey: .build)
        try container.encode(Double(rollout.basisPoints) / 100, forKey: .percentage)
        try container.encode(rollout.paused, forKey: .paused)
        try container.encode(Moment.iso(rollout.startedAt), forKey: .startedAt)
        try container.encode(Moment.iso(rollout.updatedAt), forKey: .updatedAt)
        try container.encode(rollout.halting?.minimumReports, forKey: .haltAfterReports)
        try container.encode(rollout.halting.map { Double($0.margin) / 100 }, forKey: .haltMargin)
        try container.encode(rollout.haltReason != nil, forKey: .halted)
        try container.encode(rollout.haltReason, forKey: .haltReason)
    }
}

/// A product's canary sites: `{"sites": [patterns], "licenses": [ids]}`.
struct CanariesResource: Encodable, Sendable {
    let sites: [String]
    let licenses: [String]

    init(canaries: Canaries) {
        sites = canaries.sitePatterns
        licenses = canaries.licenses.sorted()
    }
}

/// Active sites over a window, for `/stats`.
struct StatisticsResource: Encodable, Sendable {
    let statistics: InstallStatistics
    let adoption: Adoption

    enum CodingKeys: String, CodingKey {
        case product, from, to, days, activeSites = "active_sites", checks, versions, channels
        case wordpressVersions = "wordpress_versions", phpVersions = "php_versions", adoption
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(statistics.product, forKey: .product)
        try container.encode(Moment.day(statistics.firstDay), forKey: .from)
        try container.encode(Moment.day(statistics.lastDay), forKey: .to)
        try container.encode(statistics.lastDay - statistics.firstDay + 1, forKey: .days)
        try container.encode(statistics.activeSites, forKey: .activeSites)
        try container.encode(statistics.checks, forKey: .checks)
        try container.encode(statistics.versions, forKey: .versions)
        try container.encode(statistics.channels, forKey: .channels)
        try container.encode(statistics.wordpressVersions, forKey: .wordpressVersions)
        try container.encode(statistics.phpVersions, forKey: .phpVersions)
        try container.encode(AdoptionResource(adoption: adoption), forKey: .adoption)
    }
}

/// `{"releases": [{version, released, days_to_50, days_to_90, days: [{day, sites, share}]}],
/// "left_behind": [{version, sites}], "failures": [{version, wordpress_version, php_version, installed, failed}]}`.
struct AdoptionResource: Encodable, Sendable {
    let adoption: Adoption

    private struct DayResource: Encodable {
        let day: String
        let sites: Int
        let share: Double
    }

    private struct ReleaseResource: Encodable {
        let version: String
        let released: String
        let daysTo50: Int?
        let daysTo90: Int?
        let days: [DayResource]

        enum CodingKeys: String, CodingKey {
            case version, released, daysTo50 = "days_to_50", daysTo90 = "days_to_90", days
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(released, forKey: .released)
            try container.encode(daysTo50, forKey: .daysTo50)
            try container.encode(daysTo90, forKey: .daysTo90)
            try container.encode(days, forKey: .days)
        }
    }

    private struct LeftBehindResource: Encodable {
        let version: String
        let sites: Int
    }

    private struct FailuresResource: Encodable {
        let failures: Adoption.Failures

        enum CodingKeys: String, CodingKey {
            case version, wordpressVersion = "wordpress_version", phpVersion = "php_version", installed, failed
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(failures.version, forKey: .version)
            try container.encode(failures.wordpressVersion, forKey: .wordpressVersion)
            try container.encode(failures.phpVersion, forKey: .phpVersion)
            try container.encode(failures.installed, forKey: .installed)
            try container.encode(failures.failed, forKey: .failed)
        }
    }

    enum CodingKeys: String, CodingKey {
        case releases, leftBehind = "left_behind", failures
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(
            adoption.releases.map { release in
                ReleaseResource(
                    version: release.version, released: Moment.day(release.releasedDay), daysTo50: release.daysTo50, daysTo90: release.daysTo90,
                    days: release.days.map { DayResource(day: Moment.day($0.day), sites: $0.sites, share: ($0.share * 10_000).rounded() / 10_000) })
            }, forKey: .releases)
        try container.encode(adoption.leftBehind.map { LeftBehindResource(version: $0.version, sites: $0.sites) }, forKey: .leftBehind)
        try container.encode(adoption.failures.map(FailuresResource.init), forKey: .failures)
    }
}
