/// What a site asks whichever endpoint it calls: "is there a build for me?"
///
/// Every answering endpoint reads its own field names into this one value (seed 000's
/// `current_product_version`, seed 002's `version`, plugin-update-checker's
/// `installed_version`), so the decision never depends on which door the site came through.
public struct SiteQuestion: Sendable, Equatable {
    /// The channel the site names; nil: stable, with seed 000's `no_channel` warning.
    public var channel: ChannelID?
    /// The version installed on the site; nil when it did not say.
    public var installedVersion: Version?
    public var wordpressVersion: String?
    public var phpVersion: String?
    /// The site's address as sent, which display messages' URL patterns match.
    public var siteURL: String?
    /// The address that identifies the site (``SiteAddress``): what rollouts hash.
    public var site: String?
    /// The site's license, already checked to be valid for the product; nil without one.
    public var license: License?
    /// Why the license the site sent was refused, when the product is free and answers the
    /// site anyway (plugin-update-checker users send their shop's key to every server): the
    /// refusal is told as a notice.
    public var refusedLicense: Notice?
    /// Milliseconds since 1970: display messages have windows.
    public var now: Int64

    public init(
        channel: ChannelID? = nil, installedVersion: Version? = nil, wordpressVersion: String? = nil, phpVersion: String? = nil,
        siteURL: String? = nil, license: License? = nil, now: Int64
    ) {
        self.channel = channel
        self.installedVersion = installedVersion
        self.wordpressVersion = wordpressVersion
        self.phpVersion = phpVersion
        self.siteURL = siteURL
        site = siteURL.flatMap(SiteAddress.normalize)
        self.license = license
        self.now = now
    }
}
