import HeraldFormats

/// The sites of a product that get a staged rollout's build first, even at 0%, before any
/// other site: the vendor's own shops, friendly customers. A site is a canary when its address
/// (``SiteAddress``: without scheme and trailing slash) matches one of the patterns (`*` any
/// run of characters, `?` one) or when it sends one of the licenses.
public struct Canaries: Hashable, Sendable {
    /// Normalized as site addresses are; exact addresses are looked up, patterns matched.
    public private(set) var sitePatterns: [String]
    /// License ids (not keys).
    public var licenses: Set<String>
    private var exactSites: Set<String>
    private var globs: [String]

    /// At most this many patterns and licenses together: patterns are matched on update checks.
    public static let limit = 200

    public init(sitePatterns: [String] = [], licenses: Set<String> = []) {
        self.sitePatterns = sitePatterns
        self.licenses = licenses
        exactSites = Set(sitePatterns.filter { !$0.contains("*") && !$0.contains("?") })
        globs = sitePatterns.filter { $0.contains("*") || $0.contains("?") }
    }

    /// Whether the site asking `question` is a canary.
    public func includes(_ question: SiteQuestion) -> Bool {
        if let license = question.license, licenses.contains(license.id) { return true }
        guard let site = question.site, !sitePatterns.isEmpty else { return false }
        return exactSites.contains(site) || globs.contains { SiteGlob.matches(site: site, pattern: $0) }
    }

    /// Patterns as given, normalized as site addresses (lowercase, no scheme, no trailing
    /// slash): each 1 to 255 characters without spaces, duplicates dropped.
    public static func sitePatterns(validating patterns: [String]) throws(HeraldError) -> [String] {
        var kept: [String] = []
        for given in patterns {
            guard let pattern = SiteAddress.normalize(given), pattern.count <= 255,
                !pattern.contains(where: { $0.isWhitespace || $0.isNewline })
            else {
                throw .invalidInput("canary site pattern \(quoted(given)) is invalid: an address such as shop.example.com or *.example.com")
            }
            if !kept.contains(pattern) { kept.append(pattern) }
        }
        guard kept.count <= limit else { throw .invalidInput("at most \(limit) canary site patterns") }
        return kept
    }
}
