import Foundation
import HeraldCore
import NIOCore

/// plugin-update-checker's metadata for one site (`/wordpress/?action=get_metadata`): the
/// bytes both its route and ``SiteAnswerHandler`` send.
///
/// The metadata of a build (the readme's sections rendered as HTML included) is encoded once
/// per product revision, build and base URL for sites without a license; the site's notices
/// go in as `messages`, at their place in the sorted keys, when there are any.
enum PluginMetadataAnswer {
    static func body(for answer: SiteAnswers.Answer, build: Build, downloadURL: String?, snapshots: CatalogSnapshots) throws -> ByteBuffer {
        let encode = {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return ByteBuffer(
                bytes: try encoder.encode(
                    PluginMetadata(product: answer.product, build: build, urls: answer.urls, downloadURL: downloadURL, messages: nil)))
        }
        let metadata =
            answer.question.license == nil
            ? try snapshots.derivedNow("metadata:\(build.hash):\(answer.urls.base)", of: answer.snapshot, make: encode) : try encode()
        guard let notices = answer.wordpressNotices else { return metadata }
        // `messages` sorts just before `name`, which every answer has. The keys before it hold
        // plain strings, whose quotes are escaped, so the first `,"name":` is that key.
        let bytes = metadata.readableBytesView
        let marker = Array(#","name":"#.utf8)
        guard let split = bytes.indices.first(where: { bytes[$0...].starts(with: marker) }) else { return metadata }
        var json = JSONWriter(capacity: metadata.readableBytes + 256)
        json.raw(metadata.getSlice(at: metadata.readerIndex, length: split - bytes.startIndex) ?? ByteBuffer())
        json.key("messages")
        json.notices(notices)
        json.raw(metadata.getSlice(at: split, length: bytes.endIndex - split) ?? ByteBuffer())
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
