import HeraldFormats

/// One uploaded file of a product at a version: what a channel serves and a site downloads.
///
/// A build is identified by the SHA-256 of its file, so the same bytes are one build however
/// often they are uploaded.
public struct Build: Hashable, Sendable {
    /// The tool that made the file, e.g. lofty 1.1.2 (seed 000).
    public struct Builder: Hashable, Sendable {
        public var name: String?
        public var version: String?

        public init(name: String? = nil, version: String? = nil) {
            self.name = name
            self.version = version
        }
    }

    /// A build the vendor took back (``Yank``): it stays downloadable, but no channel serves
    /// it again, and sites running it are offered their channel's build even when older.
    public struct Yank: Hashable, Sendable {
        /// Why, as the vendor wrote it; sites are shown it.
        public var reason: String
        /// Milliseconds since 1970.
        public var at: Int64
        /// A token's name or a console account's e-mail.
        public var by: String

        public init(reason: String, at: Int64, by: String) {
            self.reason = reason
            self.at = at
            self.by = by
        }

        /// A yank's reason as given: trimmed, 1 to 500 characters, one line.
        public static func reason(validating text: String?) throws(HeraldError) -> String {
            let reason = (text ?? "").trimmingWhitespace()
            guard !reason.isEmpty, reason.count <= 500, !reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw .invalidInput("reason is required: one line of at most 500 characters saying why the build is taken back")
            }
            return reason
        }
    }

    public var hash: BuildHash
    /// Lowercase hex MD5 of the file, for `Content-MD5` and clients that check it.
    public var md5: String
    public var product: ProductID
    public var version: Version
    /// The channel the build was uploaded to.
    public var channel: ChannelID
    /// When it was uploaded, in milliseconds since 1970.
    public var timestamp: Int64
    public var builder: Builder
    public var uploadedBy: String?
    /// The file's size in bytes.
    public var size: Int64
    public var fileName: FileName
    /// True for the newest upload of this product and version.
    public var isLatest: Bool
    /// The lowest WordPress version the build supports.
    public var requires: String?
    /// The highest WordPress version the build was tested with.
    public var tested: String?
    /// The lowest PHP version the build supports.
    public var requiresPHP: String?
    public var changelog: String?
    /// Lowercase hex SHA-384 of the file: what its Ed25519 signature signs, as WordPress core
    /// checks it. Nil for a build stored before signatures, until it is first downloaded.
    public var sha384: String?
    /// The WordPress details of the build, for the "View details" dialog.
    public var details: WordPressDetails
    /// The release date as the vendor wrote it (seed 002's release.json, e.g.
    /// `2012-05-11 21:47:44 -0700`), answered as written; nil for a build uploaded here.
    public var releaseDate: String?
    /// What desktop updaters are told about an app build (Sparkle's minimum system, critical update, ...).
    public var app: AppDetails
    /// Set when the build was yanked.
    public var yank: Yank?

    public init(
        hash: BuildHash, md5: String, product: ProductID, version: Version, channel: ChannelID, timestamp: Int64,
        builder: Builder = Builder(), uploadedBy: String? = nil, size: Int64, fileName: FileName, isLatest: Bool = true,
        requires: String? = nil, tested: String? = nil, requiresPHP: String? = nil, changelog: String? = nil,
        sha384: String? = nil, details: WordPressDetails = WordPressDetails(), releaseDate: String? = nil, app: AppDetails = AppDetails(),
        yank: Yank? = nil
    ) {
        self.hash = hash
        self.md5 = md5
        self.product = product
        self.version = version
        self.channel = channel
        self.timestamp = timestamp
        self.builder = builder
        self.uploadedBy = uploadedBy
        self.size = size
        self.fileName = fileName
        self.isLatest = isLatest
        self.requires = requires
        self.tested = tested
        self.requiresPHP = requiresPHP
        self.changelog = changelog
        self.sha384 = sha384
        self.details = details
        self.releaseDate = releaseDate
        self.app = app
        self.yank = yank
    }
}
