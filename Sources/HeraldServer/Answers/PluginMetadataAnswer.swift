import Foundation
import HeraldCore
import NIOCore

/// plugin-update-checker's metadata for one site (`/wordpress/?action=get_metadata`): the
/// bytes both its route and ``SiteAnswerHandler`` send.
///
/// The metadata of a build (the readme's sections rendered as HTML included) is encoded once
/// per product revision, build and base URL. A licensed site's download link is its own: it
/// goes in place of the empty `download_url` kept for licensed sites. The site's notices go in
/// as `messages`, at their place in the sorted keys, when there are any.
enum PluginMetadataAnswer {
    static func body(for answer: SiteAnswers.Answer, build: Build, downloadURL: String?, snapshots: CatalogSnapshots) throws -> ByteBuffer {
        let linked = answer.question.license != nil && downloadURL != nil
        let kind = answer.question.license == nil ? "site" : linked ? "linked" : "licensed"
        var metadata = try snapshots.derivedNow("metadata:\(build.hash):\(answer.urls.base):\(kind)", of: answer.snapshot) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let kept = PluginMetadata(
                product: answer.product, build: build, urls: answer.urls, downloadURL: linked ? "" : downloadURL, messages: nil)
            return ByteBuffer(bytes: try encoder.encode(kept))
        }
        if linked, let downloadURL {
            metadata = splice(metadata, at: #""download_url":"#, replacing: 2) { $0.string(downloadURL) }
        }
        if let notices = answer.wordpressNotices {
            // `messages` sorts just before `name`, which every answer has.
            metadata = splice(metadata, at: #","name":"#, after: false) { json in
                json.key("messages")
                json.notices(notices)
            }
        }
        return metadata
    }

    /// `metadata` with what `write` writes put after (or before) the first `marker`, in place of
    /// the `replacing` bytes there. A marker holding an unescaped quote cannot be found inside
    /// a string value, whose quotes are escaped, so what is found is the key.
    private static func splice(
        _ metadata: ByteBuffer, at marker: String, after: Bool = true, replacing: Int = 0, write: (inout JSONWriter) -> Void
    ) -> ByteBuffer {
        let bytes = metadata.readableBytesView
        let marker = Array(marker.utf8)
        guard let found = bytes.indices.first(where: { bytes[$0...].starts(with: marker) }) else { return metadata }
        let split = (after ? found + marker.count : found) - bytes.startIndex
        let rest = split + replacing
        guard rest <= bytes.count else { return metadata }
        var json = JSONWriter(capacity: metadata.readableBytes + 256)
        json.raw(metadata.getSlice(at: metadata.readerIndex, length: split) ?? ByteBuffer())
        write(&json)
        json.raw(metadata.getSlice(at: metadata.readerIndex + rest, length: bytes.count - rest) ?? ByteBuffer())
        return json.buffer
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
