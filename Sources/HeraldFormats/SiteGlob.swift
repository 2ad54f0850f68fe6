/// The URL patterns of display messages: `*` any run of characters, `?` one, case-insensitive.
public enum SiteGlob {
    /// Whether the site address matches the glob: against the address as sent, and, for a
    /// pattern without a scheme, against the address without its scheme.
    public static func matches(site: String, pattern: String) -> Bool {
        var lowered = site.trimmingWhitespace().lowercased()
        // `https://shop.example.com/` (WordPress's home_url) and `https://shop.example.com` are one address.
        while lowered.hasSuffix("/") { lowered.removeLast() }
        let glob = pattern.lowercased()
        if globMatches(Array(lowered.unicodeScalars), Array(glob.unicodeScalars)) { return true }
        guard !glob.contains("://"), let bare = lowered.firstRange(of: "://").map({ String(lowered[$0.upperBound...]) }) else {
            return false
        }
        return globMatches(Array(bare.unicodeScalars), Array(glob.unicodeScalars))
    }

    /// `*` and `?` glob matching without recursion: the greedy star with one backtrack point,
    /// at worst text x pattern steps.
    private static func globMatches(_ text: [Unicode.Scalar], _ pattern: [Unicode.Scalar]) -> Bool {
        var (t, p) = (0, 0)
        var star: (pattern: Int, text: Int)?
        while t < text.count {
            if p < pattern.count, pattern[p] == "*" {
                star = (p, t)
                p += 1
            } else if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                t += 1
                p += 1
            } else if let saved = star {
                p = saved.pattern + 1
                t = saved.text + 1
                star = (saved.pattern, saved.text + 1)
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
