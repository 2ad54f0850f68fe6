import HeraldCore
import NIOCore

/// check_for_update's answer (seed 000's envelope) for one site: the bytes both its route and
/// ``SiteAnswerHandler`` send.
///
/// `{"messages": [...], "response": {"update_available", "new_version", "current_version",
/// "product_id", "product_name", "channel"}}`, and when the build is offered also `build`,
/// `download_url`, `persistent_download_url`, `authenticated_download_url`, `requires`,
/// `tested`, `requires_php` and `changelog`. Keys are sorted, so the bytes are those
/// JSONEncoder writes with `.sortedKeys` and `.withoutEscapingSlashes`.
enum UpdateCheckAnswer {
    static func body(for answer: SiteAnswers.Answer, links: BuildLinks?) -> ByteBuffer {
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
            writeBuild(build, links: links, into: &json)
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

    /// The build object, as ``BuildResource`` encodes it (keys sorted), written directly.
    static func writeBuild(_ build: Build, links: BuildLinks, into json: inout JSONWriter) {
        json.raw("{")
        json.key("build_hash", first: true)
        json.string(build.hash.rawValue)
        // `{name, version}`, each left out when unknown, as its synthesised Encodable does.
        json.key("builder")
        json.raw("{")
        if let name = build.builder.name {
            json.key("name", first: true)
            json.string(name)
        }
        if let version = build.builder.version {
            json.key("version", first: build.builder.name == nil)
            json.string(version)
        }
        json.raw("}")
        json.key("changelog")
        json.string(build.changelog)
        json.key("channel")
        json.string(build.channel.rawValue)
        json.key("download_url")
        json.string(links.download)
        json.key("file_name")
        json.string(build.fileName.rawValue)
        json.key("is_latest")
        json.bool(build.isLatest)
        json.key("md5")
        json.string(build.md5)
        json.key("persistent_download_url")
        json.string(links.persistent)
        json.key("product")
        json.string(build.product.rawValue)
        json.key("requires")
        json.string(build.requires)
        json.key("requires_php")
        json.string(build.requiresPHP)
        json.key("size")
        json.integer(build.size)
        json.key("tested")
        json.string(build.tested)
        json.key("timestamp")
        json.integer(build.timestamp)
        json.key("uploaded_by")
        json.string(build.uploadedBy)
        json.key("version")
        json.string(build.version.rawValue)
        json.raw("}")
    }
}
