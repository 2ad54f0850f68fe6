/// What desktop updaters are told about an app build beyond its version: set when the build
/// is uploaded, all optional. Sparkle reads every one of them; the other feeds ignore them.
public struct AppDetails: Hashable, Sendable, Codable {
    /// The oldest macOS the build runs on, e.g. `12.0` (`sparkle:minimumSystemVersion`).
    public var minimumSystemVersion: String?
    /// A page with the build's release notes (`sparkle:releaseNotesLink`).
    public var releaseNotesURL: String?
    /// An update users should not skip (`sparkle:criticalUpdate`).
    public var critical: Bool
    /// Installs older than this update only when the user asks (`sparkle:minimumAutoupdateVersion`).
    public var minimumAutoupdateVersion: String?

    public init(minimumSystemVersion: String? = nil, releaseNotesURL: String? = nil, critical: Bool = false, minimumAutoupdateVersion: String? = nil) {
        self.minimumSystemVersion = minimumSystemVersion
        self.releaseNotesURL = releaseNotesURL
        self.critical = critical
        self.minimumAutoupdateVersion = minimumAutoupdateVersion
    }

    /// Refuses values a feed could not carry: over 256 characters, control characters, a
    /// release notes address that is not http(s).
    public func validate() throws(HeraldError) {
        for (field, value) in [("minimum_system_version", minimumSystemVersion), ("release_notes_url", releaseNotesURL),
            ("minimum_autoupdate_version", minimumAutoupdateVersion)]
        {
            guard let value else { continue }
            guard (1...256).contains(value.utf8.count), !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw .invalidInput("\(field) must be 1 to 256 characters without control characters")
            }
        }
        if let url = releaseNotesURL, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            throw .invalidInput("release_notes_url must be an http or https address")
        }
    }

    enum CodingKeys: String, CodingKey {
        case minimumSystemVersion = "minimum_system_version", releaseNotesURL = "release_notes_url", critical
        case minimumAutoupdateVersion = "minimum_autoupdate_version"
    }
}
