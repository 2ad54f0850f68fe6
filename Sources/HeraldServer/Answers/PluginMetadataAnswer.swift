import Foundation
import HeraldCore
import NIOCore

/// plugin-update-checker's metadata for one site (`/wordpress/?action=get_metadata`): the
/// bytes both its route and ``SiteAnswerHandler`` send.
///
/// The metadata of a build (the readme's sections rendered as HTML included) is encoded once
/// per product revision, build and kind of asker. A licensed site's download link is its own: it
/// goes in place of the empty `download_url` kept for licensed sites. The site's notices go in
/// as `messages`, at their place in the sorted keys, when there are any.
enum PluginMetadataAnswer {
    /// `downloadURL` gives the site's download link, asked for only when the metadata kept
    /// for sites like it is made, or when the link is the site's own.
    static func body(
        for answer: SiteAnswers.Answer, build: Build, downloadURL: () -> String?, snapshots: CatalogSnapshots
    ) throws -> ByteBuffer {
        let ownLink = answer.question.license != nil ? downloadURL() : nil
        let linked = ownLink != nil
        let kind = answer.question.license == nil ? "site" : linked ? "linked" : "licensed"
        func encode() throws -> KeptMetadata {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let kept = PluginMetadata(
                product: answer.product, build: build, urls: answer.urls, downloadURL: linked ? "" : downloadURL(), messages: nil)
            return KeptMetadata(base: answer.urls.base, bytes: ByteBuffer(bytes: try encoder.encode(kept)))
        }
        // One kept per build and kind of asker, for the base URL of the first to ask: a client
        // that varies its Host header gets its metadata made for it, and keeps nothing.
        var kept = try snapshots.derivedNow("metadata:\(build.hash):\(kind)", of: answer.snapshot, make: encode)
        if kept.base != answer.urls.base { kept = try encode() }
        let url = ownLink
        let notices = answer.wordpressNotices
        guard url != nil || notices != nil else { return kept.bytes }
        let bytes = kept.bytes
        var json = JSONWriter(capacity: bytes.readableBytes + 512)
        var from = 0
        func copy(upTo end: Int) {
            json.raw(bytes.getSlice(at: bytes.readerIndex + from, length: end - from) ?? ByteBuffer())
        }
        if let url, let at = kept.downloadURLAt {
            copy(upTo: at)
            json.string(url)
            from = at + 2
        }
        if let notices, let at = kept.nameAt, at >= from {
            copy(upTo: at)
            json.key("messages")
            json.notices(notices)
            from = at
        }
        copy(upTo: bytes.readableBytes)
        return json.buffer
    }

    /// A build's metadata as kept, with the two places a site's own parts go, found once.
    private struct KeptMetadata: Sendable {
        let base: String
        let bytes: ByteBuffer
        /// Where the empty `download_url` value (`""`) kept for licensed sites starts.
        let downloadURLAt: Int?
        /// Where `,"name":` starts: `messages` sorts just before `name`, which every answer has.
        let nameAt: Int?

        init(base: String, bytes: ByteBuffer) {
            self.base = base
            self.bytes = bytes
            let view = Array(bytes.readableBytesView)
            downloadURLAt = Self.end(of: #""download_url":"#, in: view)
            nameAt = Self.end(of: #","name":"#, in: view).map { $0 - #","name":"#.utf8.count }
        }

        /// Where the first `marker` ends. A marker holding an unescaped quote cannot be found
        /// inside a string value, whose quotes are escaped, so what is found is the key.
        private static func end(of marker: String, in bytes: [UInt8]) -> Int? {
            let marker = Array(marker.utf8)
            guard bytes.count >= marker.count else { return nil }
            return (0...(bytes.count - marker.count)).first { bytes[$0..<$0 + marker.count].elementsEqual(marker) }.map { $0 + marker.count }
        }
    }
}

extension SiteAnswers.Answer {
    /// The decision's notices for a WordPress answer, nil when none. Seed 002's API and
    /// plugin-update-checker have no required channel, so their default is not warned about.
    var wordpressNotices: [Notice]? {
        let notices = decision.notices.filter { $0 != .noChannel }
        return notices.isEmpty ? nil : notices
    }
}
