import HeraldFormats

/// What a site says happened when it installed an update: the evidence a rollout guard
/// (``RolloutGuard``) weighs.
public struct OutcomeReport: Hashable, Sendable {
    public enum Outcome: String, Hashable, Sendable, CaseIterable {
        case installed
        case failed
        /// The update went in but the site went back (the plugin deactivated, the old version restored).
        case rolledBack = "rolled_back"

        /// A failure, for the guard's count.
        public var isFailure: Bool { self != .installed }
    }

    public var product: ProductID
    /// The site's address, normalized (``SiteAddress``).
    public var site: String
    public var fromVersion: Version?
    public var toVersion: Version
    public var outcome: Outcome
    public var errorCode: String?
    public var errorMessage: String?
    public var wordpressVersion: String?
    public var phpVersion: String?

    /// A report from a request's fields, every one checked: a short error code of letters,
    /// digits, `_`, `-` and `.`; a message of at most 1,000 characters without control
    /// characters; versions as the update checks take them.
    public init(
        product: ProductID, siteURL: String, fromVersion: String?, toVersion: String, outcome: String, errorCode: String?,
        errorMessage: String?, wordpressVersion: String?, phpVersion: String?
    ) throws(HeraldError) {
        guard let site = SiteAddress.normalize(siteURL) else { throw .invalidInput("site_url is not a site address") }
        guard let parsed = Outcome(rawValue: outcome) else {
            throw .invalidInput("outcome \(quoted(outcome)) is not one of installed, failed, rolled_back")
        }
        func short(_ value: String?, _ field: String, limit: Int) throws(HeraldError) -> String? {
            guard let value, !value.isEmpty else { return nil }
            guard value.count <= limit, value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw .invalidInput("\(field) must be at most \(limit) characters without control characters")
            }
            return value
        }
        if let errorCode, !errorCode.isEmpty,
            errorCode.count > 64 || !errorCode.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) })
        {
            throw .invalidInput("error_code must be at most 64 letters, digits, '_', '-' and '.'")
        }
        self.product = product
        self.site = site
        if let fromVersion, !fromVersion.isEmpty {
            self.fromVersion = try Version(validating: fromVersion, field: "from_version")
        } else {
            self.fromVersion = nil
        }
        self.toVersion = try Version(validating: toVersion, field: "to_version")
        self.outcome = parsed
        self.errorCode = errorCode.flatMap { $0.isEmpty ? nil : $0 }
        self.errorMessage = try short(errorMessage, "error_message", limit: 1000)
        self.wordpressVersion = try short(wordpressVersion, "wordpress_version", limit: 32)
        self.phpVersion = try short(phpVersion, "php_version", limit: 32)
        if parsed == .installed, self.errorCode != nil || self.errorMessage != nil {
            throw .invalidInput("an installed update has no error_code or error_message")
        }
    }
}
