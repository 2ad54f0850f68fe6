import HeraldFormats
/// A notice a vendor attaches to a product's answers (seed 000's display messages): shown to
/// the sites it targets by channel, site address pattern and license, within a time window.
public struct DisplayMessage: Hashable, Sendable {
    public var id: String
    public var product: ProductID
    public var level: Notice.Level
    public var text: String
    /// A code the vendor chooses, for sites that act on it; `display_message` when none.
    public var code: String?
    /// Empty: every channel.
    public var channels: [ChannelID]
    /// A glob over the site's address (`*` any run of characters, `?` one), case-insensitive;
    /// nil: every site.
    public var urlPattern: String?
    /// License ids; empty: every site, licensed or not.
    public var licenses: [String]
    /// Milliseconds since 1970; nil: open-ended.
    public var startsAt: Int64?
    public var endsAt: Int64?
    public var createdAt: Int64

    public init(
        id: String, product: ProductID, level: Notice.Level, text: String, code: String? = nil, channels: [ChannelID] = [],
        urlPattern: String? = nil, licenses: [String] = [], startsAt: Int64? = nil, endsAt: Int64? = nil, createdAt: Int64
    ) {
        self.id = id
        self.product = product
        self.level = level
        self.text = text
        self.code = code
        self.channels = channels
        self.urlPattern = urlPattern
        self.licenses = licenses
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdAt = createdAt
    }

    /// Whether a site on `channel` (or having asked for `requestedChannel`), at address `site`,
    /// with the license `licenseID`, sees the message at `now`.
    public func applies(channel: ChannelID, requestedChannel: ChannelID? = nil, site: String?, licenseID: String?, at now: Int64) -> Bool {
        if let startsAt, now < startsAt { return false }
        if let endsAt, now >= endsAt { return false }
        if !channels.isEmpty, !channels.contains(channel), !(requestedChannel.map(channels.contains) ?? false) { return false }
        if !licenses.isEmpty {
            guard let licenseID, licenses.contains(licenseID) else { return false }
        }
        if let urlPattern {
            guard let site else { return false }
            return SiteGlob.matches(site: site, pattern: urlPattern)
        }
        return true
    }

    /// The notice as it goes into an answer's `messages`.
    public var notice: Notice {
        Notice(level: level, code: code ?? "display_message", message: text)
    }

    /// Checks what a vendor typed: the text (1 to 2,000 characters), the code and pattern sizes, the window.
    public static func validate(text: String, code: String?, urlPattern: String?, startsAt: Int64?, endsAt: Int64?) throws(HeraldError) {
        guard !text.trimmingWhitespace().isEmpty, text.count <= 2000 else {
            throw .invalidInput("text is invalid: 1 to 2000 characters")
        }
        if let code, code.isEmpty || code.count > 64 || !code.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }) {
            throw .invalidInput("code \(quoted(code)) is invalid: 1 to 64 of a-z, 0-9, '_' and '-'")
        }
        if let urlPattern, urlPattern.isEmpty || urlPattern.count > 500 {
            throw .invalidInput("url_pattern is invalid: 1 to 500 characters")
        }
        if let startsAt, let endsAt, endsAt <= startsAt {
            throw .invalidInput("the message's window ends before it starts")
        }
    }
}
