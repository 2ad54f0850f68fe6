import HeraldFormats

/// The sites of a product that get a staged rollout's build first, even at 0%, before any
/// other site: the vendor's own shops, friendly customers. A site is a canary when its address
/// matches one of the patterns (as display messages match: `*` and `?`, with or without the
/// scheme) or when it sends one of the licenses.
public struct Canaries: Hashable, Sendable {
    public var sitePatterns: [String]
    /// License ids (not keys).
    public var licenses: Set<String>

    /// At most this many patterns and licenses together: they are matched on update checks.
    public static let limit = 1000

    public init(sitePatterns: [String] = [], licenses: Set<String> = []) {
        self.sitePatterns = sitePatterns
        self.licenses = licenses
    }

    public var isEmpty: Bool { sitePatterns.isEmpty && licenses.isEmpty }

    /// Whether the site asking `question` is a canary.
    public func includes(_ question: SiteQuestion) -> Bool {
        if let license = question.license, licenses.contains(license.id) { return true }
        guard let site = question.siteURL, !sitePatterns.isEmpty else { return false }
        return sitePatterns.contains { SiteGlob.matches(site: site, pattern: $0) }
    }

    /// Patterns as given: trimmed, each 1 to 255 characters without spaces, duplicates dropped.
    public static func sitePatterns(validating patterns: [String]) throws(HeraldError) -> [String] {
        var kept: [String] = []
        for pattern in patterns.map({ $0.trimmingWhitespace() }) where !kept.contains(pattern) {
            guard !pattern.isEmpty, pattern.count <= 255, !pattern.contains(where: { $0.isWhitespace || $0.isNewline }) else {
                throw .invalidInput("canary site pattern \(quoted(pattern)) is invalid: an address such as shop.example.com or *.example.com")
            }
            kept.append(pattern)
        }
        guard kept.count <= limit else { throw .invalidInput("at most \(limit) canary site patterns") }
        return kept
    }
}
