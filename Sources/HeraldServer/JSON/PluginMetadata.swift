import HeraldCore
import HeraldFormats

/// The metadata plugin-update-checker (and wp-update-server's `get_metadata`) reads about the
/// build a channel serves.
///
/// Plugins get name, version, download_url, the WordPress and PHP requirements, author and
/// the readme's sections as HTML; themes need version, details_url and download_url. Fields
/// Herald has no value for are left out rather than sent empty.
struct PluginMetadata: Encodable {
    let product: Product
    let build: Build
    let urls: PublicURL
    /// Nil for a premium product asked about without a valid license.
    let downloadURL: String?
    /// The display messages for the site; left out when none.
    let messages: [Notice]?

    enum CodingKeys: String, CodingKey {
        case name, slug, version, homepage, downloadURL = "download_url", detailsURL = "details_url", requires, tested
        case requiresPHP = "requires_php", lastUpdated = "last_updated", upgradeNotice = "upgrade_notice", author
        case authorHomepage = "author_homepage", sections, messages
    }

    /// readme.txt section names as WordPress's details dialog names its tabs.
    private static let sectionNames = ["frequently_asked_questions": "faq"]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let details = build.details
        try container.encode(product.name, forKey: .name)
        try container.encode(product.id, forKey: .slug)
        try container.encode(build.version, forKey: .version)
        try container.encodeIfPresent(product.homepage, forKey: .homepage)
        try container.encodeIfPresent(downloadURL, forKey: .downloadURL)
        if product.kind == .theme {
            // The version's release notes page: WordPress shows it in "View version details".
            try container.encode(product.homepage ?? "\(urls.base)/products/\(product.id)/\(build.version)/", forKey: .detailsURL)
        }
        try container.encodeIfPresent(build.requires, forKey: .requires)
        try container.encodeIfPresent(build.tested, forKey: .tested)
        try container.encodeIfPresent(build.requiresPHP, forKey: .requiresPHP)
        try container.encode(UTCDate.wordpress(Int(build.timestamp / 1000)), forKey: .lastUpdated)
        try container.encodeIfPresent(details.upgradeNotice, forKey: .upgradeNotice)
        try container.encodeIfPresent(details.author, forKey: .author)
        try container.encodeIfPresent(details.authorHomepage, forKey: .authorHomepage)
        var sections: [String: String] = [:]
        for (name, text) in details.sections where name != "upgrade_notice" {
            sections[Self.sectionNames[name] ?? name] = ReadmeHTML.render(text)
        }
        if sections["changelog"] == nil, let changelog = build.changelog {
            sections["changelog"] = ReadmeHTML.render(changelog)
        }
        if sections["description"] == nil, let description = product.description {
            sections["description"] = ReadmeHTML.render(description)
        }
        if !sections.isEmpty {
            try container.encode(sections, forKey: .sections)
        }
        try container.encodeIfPresent(messages, forKey: .messages)
    }
}
