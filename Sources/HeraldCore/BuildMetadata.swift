import HeraldFormats
/// What a build says about itself, from inside its zip or from the upload request.
///
/// Inside the zip the sources rank: `plugin.yaml`/`theme.yaml`, then the main file's header
/// (plugin PHP file or theme `style.css`), then `readme.txt`; the first that has a field wins.
public struct BuildMetadata: Sendable, Equatable {
    public var name: String?
    public var version: String?
    /// Where ``version`` came from, for messages ("the plugin header", "readme.txt's Stable tag").
    public var versionSource: String?
    public var requires: String?
    public var tested: String?
    public var requiresPHP: String?
    public var changelog: String?
    public var upgradeNotice: String?
    /// readme.txt's sections by name (description, installation, faq, changelog, ...).
    public var sections: [String: String]
    public var author: String?
    public var authorHomepage: String?

    public init(
        name: String? = nil, version: String? = nil, versionSource: String? = nil, requires: String? = nil,
        tested: String? = nil, requiresPHP: String? = nil, changelog: String? = nil, upgradeNotice: String? = nil,
        sections: [String: String] = [:], author: String? = nil, authorHomepage: String? = nil
    ) {
        self.name = name
        self.version = version
        self.versionSource = versionSource
        self.requires = requires
        self.tested = tested
        self.requiresPHP = requiresPHP
        self.changelog = changelog
        self.upgradeNotice = upgradeNotice
        self.sections = sections
        self.author = author
        self.authorHomepage = authorHomepage
    }

    /// What WordPress's "View details" dialog shows of these.
    public var wordPressDetails: WordPressDetails {
        WordPressDetails(author: author, authorHomepage: authorHomepage, upgradeNotice: upgradeNotice, sections: sections)
    }

    /// This metadata with the gaps filled from `other`, which ranks lower.
    public func filled(from other: BuildMetadata) -> BuildMetadata {
        var merged = self
        merged.name = name ?? other.name
        if version == nil {
            merged.version = other.version
            merged.versionSource = other.versionSource
        }
        merged.requires = requires ?? other.requires
        merged.tested = tested ?? other.tested
        merged.requiresPHP = requiresPHP ?? other.requiresPHP
        merged.changelog = changelog ?? other.changelog
        merged.upgradeNotice = upgradeNotice ?? other.upgradeNotice
        merged.sections = sections.merging(other.sections) { mine, _ in mine }
        merged.author = author ?? other.author
        merged.authorHomepage = authorHomepage ?? other.authorHomepage
        return merged
    }

    /// The metadata a plugin's or theme's header gives.
    public init(header: FileHeader, source: String) {
        self.init(
            name: header["Plugin Name"] ?? header["Theme Name"],
            version: header["Version"],
            versionSource: header["Version"] == nil ? nil : source,
            requires: header["Requires at least"], tested: header["Tested up to"], requiresPHP: header["Requires PHP"],
            author: header["Author"], authorHomepage: header["Author URI"])
    }

    /// The metadata a readme.txt gives; a Stable tag of `trunk` names no version.
    public init(readme: Readme) {
        let stable = readme.stableTag.flatMap { $0.lowercased() == "trunk" ? nil : $0 }
        self.init(
            name: readme.name, version: stable, versionSource: stable == nil ? nil : "readme.txt's Stable tag",
            requires: readme.requires, tested: readme.tested, requiresPHP: readme.requiresPHP, changelog: readme.changelog,
            upgradeNotice: stable.flatMap { readme.upgradeNotice(for: $0) } ?? readme.sections["upgrade_notice"],
            sections: readme.sections)
    }

    /// The version a build is published as: the request's, which must agree with the zip's
    /// when both are given (`version_mismatch`), else the zip's (`missing_version` if none).
    public static func resolveVersion(requested: String?, inArchive: BuildMetadata) throws(HeraldError) -> Version {
        switch (requested, inArchive.version) {
        case (let requested?, let found?):
            guard VersionOrder.compare(requested, found) == 0 else {
                throw .versionMismatch(requested: requested, found: found, source: inArchive.versionSource ?? "the zip")
            }
            return try Version(validating: requested)
        case (let requested?, nil):
            return try Version(validating: requested)
        case (nil, let found?):
            return try Version(validating: found, field: inArchive.versionSource ?? "version")
        case (nil, nil):
            throw .missingVersion
        }
    }
}
