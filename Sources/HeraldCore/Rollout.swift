import HeraldFormats
/// A channel move staged at a percentage of sites.
///
/// While it runs, the channel's pointers keep the build served before; a site gets the
/// rollout's build when its bucket, a hash of the build and the site's address from 0 to
/// 9,999, falls under the rollout's share. The hash includes the build, so a site keeps its
/// place for the whole of one rollout, yet each release starts with a different set of sites.
/// The share only rises; a paused rollout offers its build to no site until resumed.
public struct Rollout: Hashable, Sendable {
    public var product: ProductID
    public var channel: ChannelID
    public var build: BuildHash
    /// The share of sites in hundredths of a percent: 2,000 is 20%.
    public var basisPoints: Int
    public var paused: Bool
    /// Milliseconds since 1970.
    public var startedAt: Int64
    public var updatedAt: Int64
    /// What halts the rollout by itself when sites report its build failing; nil: nothing does.
    public var halting: RolloutGuard?
    /// Why the guard halted it (then it is paused); nil when it has not.
    public var haltReason: String?
    /// Since when (milliseconds since 1970) the guard counts reports: the start, or the last
    /// time the vendor resumed or raised the rollout after weighing them.
    public var guardSince: Int64?

    /// How many buckets sites fall into: a share is counted in hundredths of a percent.
    public static let bucketCount = 10_000

    public init(
        product: ProductID, channel: ChannelID, build: BuildHash, basisPoints: Int, paused: Bool = false, startedAt: Int64,
        updatedAt: Int64, halting: RolloutGuard? = nil, haltReason: String? = nil
    ) {
        self.product = product
        self.channel = channel
        self.build = build
        self.basisPoints = basisPoints
        self.paused = paused
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.halting = halting
        self.haltReason = haltReason
    }

    /// Whether a site in `bucket` (0 ..< ``bucketCount``) gets the rollout's build.
    public func includes(bucket: Int) -> Bool {
        !paused && bucket < basisPoints
    }

    /// The share as people write it: `20`, `12.5`.
    public var percentage: String {
        basisPoints % 100 == 0 ? String(basisPoints / 100) : String(Double(basisPoints) / 100)
    }

    /// A share written as `20`, `20%` or `12.5`: from 0 to 100, in steps of 0.01. At 0 only the
    /// product's canaries get the build.
    public static func basisPoints(parsing text: String) throws(HeraldError) -> Int {
        var number = text.trimmingWhitespace()
        if number.hasSuffix("%") { number.removeLast() }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        let digits = { (part: Substring) in !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber } }
        guard (1...2).contains(parts.count), digits(parts[0]), parts.count == 1 || (digits(parts[1]) && parts[1].count <= 2),
            let whole = Int(parts[0])
        else {
            throw .invalidInput("percentage \(quoted(text)) is invalid: a number from 0 to 100, such as 20 or 12.5")
        }
        var fraction = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        if parts.count == 2, parts[1].count == 1 { fraction *= 10 }
        let points = whole * 100 + fraction
        guard (0...bucketCount).contains(points) else {
            throw .invalidInput("percentage \(quoted(text)) is invalid: a number from 0 to 100, such as 20 or 12.5")
        }
        return points
    }
}

/// A site's address as it identifies the site: lowercased, without scheme and trailing
/// slashes, so `https://Shop.example.com/` and `http://shop.example.com` are one site.
public enum SiteAddress {
    public static func normalize(_ address: String) -> String? {
        let lowered = address.trimmingWhitespace().lowercased()
        // Every check of every site goes through here: an ASCII address (nearly all) is cut on
        // its bytes, which is the same as cutting its characters.
        guard lowered.utf8.allSatisfy({ $0 < 0x80 }) else {
            var site = lowered
            for scheme in ["https://", "http://"] where site.hasPrefix(scheme) {
                site.removeFirst(scheme.count)
            }
            while site.hasSuffix("/") { site.removeLast() }
            guard !site.isEmpty, site.utf8.count <= 2048 else { return nil }
            return site
        }
        var site = Substring(lowered).utf8
        if site.starts(with: "https://".utf8) { site = site.dropFirst(8) }
        if site.starts(with: "http://".utf8) { site = site.dropFirst(7) }
        while site.last == UInt8(ascii: "/") { site = site.dropLast() }
        guard !site.isEmpty, site.count <= 2048 else { return nil }
        return String(Substring(site))
    }
}

extension SiteAddress {
    /// A site a license's limit does not count: this machine (`localhost`, 127.0.0.1, `::1`),
    /// a local or test name (`*.local`, `*.test`, `*.localhost`) or a staging copy
    /// (`staging.*`), as vendors commonly let customers run beside their live site.
    /// `site` is normalized (``normalize(_:)``).
    public static func isStagingOrLocal(_ site: String) -> Bool {
        var host = site.prefix { $0 != "/" }
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix { $0 != "]" }
        } else if let colon = host.lastIndex(of: ":"), !host[..<colon].contains(":") {
            host = host[..<colon]
        }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.") || host.hasSuffix(".localhost")
            || host.hasSuffix(".local") || host.hasSuffix(".test") || host.hasPrefix("staging.")
    }
}

