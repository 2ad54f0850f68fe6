/// What WordPress shows about a plugin or theme version in its "View details" dialog, read
/// from the build's readme.txt and main file header.
public struct WordPressDetails: Hashable, Sendable, Codable {
    public var author: String?
    public var authorHomepage: String?
    public var upgradeNotice: String?
    /// readme.txt's sections (description, installation, faq, changelog, ...), as written there.
    public var sections: [String: String]

    public init(author: String? = nil, authorHomepage: String? = nil, upgradeNotice: String? = nil, sections: [String: String] = [:]) {
        self.author = author
        self.authorHomepage = authorHomepage
        self.upgradeNotice = upgradeNotice
        self.sections = sections
    }

    enum CodingKeys: String, CodingKey {
        case author, authorHomepage = "author_homepage", upgradeNotice = "upgrade_notice", sections
    }
}
