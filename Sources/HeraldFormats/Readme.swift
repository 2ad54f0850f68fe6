/// A WordPress `readme.txt`: the header block under `=== Name ===` and the `== Section ==` parts.
///
/// Herald takes from it what a site needs to decide on and show an update: Stable tag,
/// Requires at least, Tested up to, Requires PHP, the sections (description, installation,
/// faq, changelog, ...) and the upgrade notice.
public struct Readme: Sendable, Equatable {
    public var name: String?
    public var stableTag: String?
    public var requires: String?
    public var tested: String?
    public var requiresPHP: String?
    /// Sections by lowercased name with spaces as underscores (`upgrade_notice`), in their raw text.
    public var sections: [String: String]

    public init(text: String) {
        var name: String?
        var headers: [String: String] = [:]
        var sections: [String: String] = [:]
        var current: String?
        var body: [Substring] = []
        var inHeader = true

        func closeSection() {
            if let current {
                sections[current] = body.joined(separator: "\n").trimmingWhitespace()
            }
            body = []
        }

        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map({ $0.hasSuffix("\r") ? $0.dropLast() : $0 }) {
            let trimmed = line.trimmingWhitespace()
            if trimmed.hasPrefix("===") && trimmed.hasSuffix("===") && trimmed.count > 6 && name == nil && current == nil {
                name = String(trimmed.dropFirst(3).dropLast(3)).trimmingWhitespace()
                continue
            }
            if trimmed.hasPrefix("==") && trimmed.hasSuffix("==") && !trimmed.hasPrefix("===") && trimmed.count > 4 {
                closeSection()
                inHeader = false
                let title = String(trimmed.dropFirst(2).dropLast(2)).trimmingWhitespace().lowercased()
                current = title.replacingSpaces()
                continue
            }
            if inHeader {
                if trimmed.isEmpty {
                    if !headers.isEmpty { inHeader = false }
                    continue
                }
                if let colon = trimmed.firstIndex(of: ":") {
                    let key = trimmed[..<colon].trimmingWhitespace().lowercased()
                    headers[key] = trimmed[trimmed.index(after: colon)...].trimmingWhitespace()
                }
                continue
            }
            if current != nil { body.append(line) }
        }
        closeSection()
        self.name = name
        self.stableTag = headers["stable tag"].flatMap { $0.isEmpty ? nil : $0 }
        self.requires = headers["requires at least"].flatMap { $0.isEmpty ? nil : $0 }
        self.tested = headers["tested up to"].flatMap { $0.isEmpty ? nil : $0 }
        self.requiresPHP = headers["requires php"].flatMap { $0.isEmpty ? nil : $0 }
        self.sections = sections
    }

    /// The changelog section, if any.
    public var changelog: String? { sections["changelog"] }

    /// The part of the upgrade notice for `version` (`= 1.2 =`), or the whole notice when it is not split by version.
    public func upgradeNotice(for version: String) -> String? {
        guard let notice = sections["upgrade_notice"] else { return nil }
        var capturing = false
        var found: [Substring] = []
        var sawEntries = false
        for line in notice.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingWhitespace()
            if trimmed.hasPrefix("=") && trimmed.hasSuffix("=") && trimmed.count > 2 {
                sawEntries = true
                capturing = String(trimmed.dropFirst().dropLast()).trimmingWhitespace() == version
                continue
            }
            if capturing { found.append(line) }
        }
        if !sawEntries { return notice }
        let text = found.joined(separator: "\n").trimmingWhitespace()
        return text.isEmpty ? nil : text
    }
}

extension String {
    fileprivate func replacingSpaces() -> String {
        String(map { $0 == " " ? "_" : $0 })
    }
}
