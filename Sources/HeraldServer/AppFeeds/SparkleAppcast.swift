import Foundation
import HeraldCore
import HeraldFormats

/// Sparkle's appcast (`/sparkle/{product}/appcast.xml`): one item per channel and platform
/// file, stable's without `sparkle:channel` (every Sparkle client reads those) and the others'
/// with it (read only by clients that allow the channel).
///
/// The enclosure carries the file's `sparkle:edSignature`, Ed25519 over its bytes, as
/// Sparkle's `sign_update` makes it with the key whose public half the app's
/// `SUPublicEDKey` holds (Herald's package key). A running staged rollout is an item of its
/// own with `sparkle:phasedRolloutInterval` (a day): Sparkle phases it on its own clock from
/// the item's `pubDate`, the rollout's start, a seventh of installs a day.
struct SparkleAppcast {
    let releases: AppReleases
    let platform: Platform
    let urls: PublicURL

    static let phasedRolloutInterval = 86_400

    var xml: String {
        var items: [String] = []
        let ordered = releases.releases.keys.sorted { ($0 == .stable ? 0 : 1, $0.rawValue) < ($1 == .stable ? 0 : 1, $1.rawValue) }
        for id in ordered {
            guard let release = releases.releases[id] else { continue }
            if let item = item(release, pubDate: release.build.timestamp, phased: false) { items.append(item) }
            if let staged = releases.rollouts[id], let item = item(staged.release, pubDate: staged.rollout.startedAt, phased: true) {
                items.append(item)
            }
        }
        return """
            <?xml version="1.0" encoding="utf-8"?>
            <rss version="2.0" xmlns:sparkle="http://www.andymatuschak.org/xml-namespaces/sparkle" xmlns:dc="http://purl.org/dc/elements/1.1/">
            <channel>
            <title>\(Self.escape(releases.product.name))</title>
            \(items.joined(separator: "\n"))
            </channel>
            </rss>

            """
    }

    private func item(_ release: AppReleases.Release, pubDate: Int64, phased: Bool) -> String? {
        guard let file = release.artifacts.file(for: platform) else { return nil }
        let build = release.build
        var lines = [
            "<item>",
            "<title>\(Self.escape("\(releases.product.name) \(build.version)"))</title>",
            "<pubDate>\(Self.rfc822(pubDate))</pubDate>",
            "<sparkle:version>\(Self.escape(build.version.rawValue))</sparkle:version>",
            "<sparkle:shortVersionString>\(Self.escape(build.version.rawValue))</sparkle:shortVersionString>",
        ]
        if release.channel.id != .stable {
            lines.append("<sparkle:channel>\(Self.escape(release.channel.id.rawValue))</sparkle:channel>")
        }
        if let minimum = build.app.minimumSystemVersion {
            lines.append("<sparkle:minimumSystemVersion>\(Self.escape(minimum))</sparkle:minimumSystemVersion>")
        }
        if let notes = build.app.releaseNotesURL {
            lines.append("<sparkle:releaseNotesLink>\(Self.escape(notes))</sparkle:releaseNotesLink>")
        }
        if build.app.critical {
            lines.append("<sparkle:criticalUpdate></sparkle:criticalUpdate>")
        }
        if let minimum = build.app.minimumAutoupdateVersion {
            lines.append("<sparkle:minimumAutoupdateVersion>\(Self.escape(minimum))</sparkle:minimumAutoupdateVersion>")
        }
        if phased {
            lines.append("<sparkle:phasedRolloutInterval>\(Self.phasedRolloutInterval)</sparkle:phasedRolloutInterval>")
        }
        lines.append(
            "<enclosure url=\"\(Self.escape(urls.download(of: file)))\" length=\"\(file.size)\" type=\"application/octet-stream\" sparkle:edSignature=\"\(file.edSignature)\"/>"
        )
        lines.append("</item>")
        return lines.joined(separator: "\n")
    }

    /// Text and attribute values: escaped as HTML escapes them, and control characters, which
    /// XML 1.0 cannot carry, left out.
    static func escape(_ text: String) -> String {
        ReadmeHTML.escape(
            String(text.filter { !$0.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0xFFFE || $0.value == 0xFFFF }) }))
    }

    /// RFC 822 dates, as RSS writes `pubDate`: `Sat, 28 Nov 2026 10:00:00 +0000`.
    static func rfc822(_ millis: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
