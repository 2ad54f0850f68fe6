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
    /// The build the site was given, when it says.
    public var build: BuildHash?
    public var outcome: Outcome
    public var errorCode: String?
    public var errorMessage: String?
    public var wordpressVersion: String?
    public var phpVersion: String?

    /// A report from a request's fields. What identifies the report is checked (the site, the
    /// version, the build, the outcome, a short error code of letters, digits, `_`, `-` and
    /// `.`); what only describes it is kept as well as it can be rather than losing the
    /// report: a message cut to 1,000 characters with control characters as spaces, WordPress
    /// and PHP versions cut to 64, a `from_version` that is not a version left out.
    public init(
        product: ProductID, siteURL: String, fromVersion: String?, toVersion: String, build: String? = nil, outcome: String,
        errorCode: String?, errorMessage: String?, wordpressVersion: String?, phpVersion: String?
    ) throws(HeraldError) {
        guard let site = SiteAddress.normalize(siteURL) else { throw .invalidInput("site_url is not a site address") }
        guard let parsed = Outcome(rawValue: outcome) else {
            throw .invalidInput("outcome \(quoted(outcome)) is not one of installed, failed, rolled_back")
        }
        func short(_ value: String?, limit: Int) -> String? {
            guard let value, !value.isEmpty else { return nil }
            let printable = String(String.UnicodeScalarView(value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
            return String(printable.prefix(limit))
        }
        if let errorCode, !errorCode.isEmpty,
            errorCode.count > 64 || !errorCode.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) })
        {
            throw .invalidInput("error_code must be at most 64 letters, digits, '_', '-' and '.'")
        }
        self.product = product
        self.site = site
        self.fromVersion = fromVersion.flatMap { try? Version(validating: $0, field: "from_version") }
        self.toVersion = try Version(validating: toVersion, field: "to_version")
        if let build, !build.isEmpty {
            self.build = try BuildHash(validating: build, field: "build_hash")
        } else {
            self.build = nil
        }
        self.outcome = parsed
        self.errorCode = errorCode.flatMap { $0.isEmpty ? nil : $0 }
        self.errorMessage = short(errorMessage, limit: 1000)
        self.wordpressVersion = short(wordpressVersion, limit: 64)
        self.phpVersion = short(phpVersion, limit: 64)
        if parsed == .installed, self.errorCode != nil || self.errorMessage != nil {
            throw .invalidInput("an installed update has no error_code or error_message")
        }
    }
}
