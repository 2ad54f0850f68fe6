import Foundation
import HeraldCore
import NIOCore

/// check_for_update's answer (seed 000's envelope) for one site: the bytes both its route and
/// ``SiteAnswerHandler`` send.
///
/// `{"messages": [...], "response": {"update_available", "new_version", "current_version",
/// "product_id", "product_name", "channel"}}`, and when the build is offered also `build`,
/// `download_url`, `persistent_download_url`, `authenticated_download_url`, `requires`,
/// `tested`, `requires_php` and `changelog`. Keys are sorted. The build object of a site
/// without a license is encoded once per product revision, build and base URL.
enum UpdateCheckAnswer {
    static func body(for answer: SiteAnswers.Answer, links: BuildLinks?, snapshots: CatalogSnapshots) throws -> ByteBuffer {
        let decision = answer.decision
        var json = JSONWriter()
        json.raw("{\"messages\":")
        json.notices(decision.notices)
        json.raw(",\"response\":{")
        let offered = decision.updateAvailable ? decision.build : nil
        let links = links ?? BuildLinks()
        if let build = offered {
            json.key("authenticated_download_url", first: true)
            json.string(links.authenticated)
            json.key("build")
            json.raw(try buildObject(build, links: links, answer: answer, snapshots: snapshots))
            json.key("changelog")
            json.string(build.changelog)
            json.key("channel")
        } else {
            json.key("channel", first: true)
        }
        json.string(decision.channel.rawValue)
        json.key("current_version")
        json.string(answer.question.installedVersion?.rawValue)
        if offered != nil {
            json.key("download_url")
            json.string(links.download)
        }
        json.key("new_version")
        json.string(decision.newVersion?.rawValue)
        if offered != nil {
            json.key("persistent_download_url")
            json.string(links.persistent)
        }
        json.key("product_id")
        json.string(answer.product.id.rawValue)
        json.key("product_name")
        json.string(answer.product.name)
        if let build = offered {
            json.key("requires")
            json.string(build.requires)
            json.key("requires_php")
            json.string(build.requiresPHP)
            json.key("tested")
            json.string(build.tested)
        }
        json.key("update_available")
        json.bool(decision.updateAvailable)
        json.raw("}}")
        return json.buffer
    }

    /// The build object; a licensed site's carries links made for it alone, so it is not kept.
    private static func buildObject(
        _ build: Build, links: BuildLinks, answer: SiteAnswers.Answer, snapshots: CatalogSnapshots
    ) throws -> ByteBuffer {
        let encode = {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return ByteBuffer(bytes: try encoder.encode(BuildResource(build: build, links: links)))
        }
        guard answer.question.license == nil else { return try encode() }
        return try snapshots.derivedNow("build:\(build.hash):\(answer.urls.base)", of: answer.snapshot, make: encode)
    }
}
