import HeraldCore
import NIOCore

/// check_for_update's answer (seed 000's envelope) for one site: the bytes both its route and
/// ``SiteAnswerHandler`` send.
///
/// `{"messages": [...], "response": {"update_available", "new_version", "current_version",
/// "product_id", "product_name", "channel", "requested_channel", "expires"}}`, `"downgrade": true`
/// when a site running a yanked build is offered an older one, and when the build is offered also
/// `build` (with the package's `sha384`), `download_url`, `persistent_download_url`,
/// `authenticated_download_url`, `requires`, `tested`, `requires_php` and `changelog`. The
/// answer is signed (``AnswerSignatures``), and names what a site needs to trust it: the
/// product, the channel asked about and the one that answered, the version, the package's SHA-384 and until when it holds
/// (`expires`, seconds since 1970). Keys are sorted, so the bytes are those
/// JSONEncoder writes with `.sortedKeys` and `.withoutEscapingSlashes`. What depends only on
/// the offered build is encoded once per snapshot (``EncodedBuild``).
enum UpdateCheckAnswer {
    /// The answer's bytes. `licensedLinks` are the links of a site that sent a license
    /// (``SiteAnswers/links(for:)``), needed only when the build is offered. A site without a
    /// license gets the links every such site gets: its whole `response`, but for its installed
    /// version, is encoded once per snapshot, build and channel (``OfferedAnswer``).
    static func body(for answer: SiteAnswers.Answer, licensedLinks: BuildLinks?, snapshots: CatalogSnapshots) -> ByteBuffer {
        let decision = answer.decision
        var json = JSONWriter()
        json.raw("{\"messages\":")
        json.notices(decision.notices)
        json.raw(",\"response\":{")
        let installed = answer.question.installedVersion?.rawValue
        let expires = Int64(AnswerSignatures.expiry(now: Int(answer.question.now / 1000)))
        if decision.updateAvailable, let build = decision.build {
            if answer.question.license == nil {
                // One kept per build and channel, for the base URL of the first site to ask: a
                // client that varies its Host header gets its answer made for it, and keeps nothing.
                let key = "update-check:\(build.hash):\(decision.channel):\(decision.requestedChannel):\(decision.mayDownload):\(decision.downgrade)"
                var offered = snapshots.derivedNow(key, of: answer.snapshot) { OfferedAnswer(answer, build: build) }
                if offered.base != answer.urls.base { offered = OfferedAnswer(answer, build: build) }
                json.raw(offered.head)
                json.string(installed)
                json.raw(offered.middle)
                json.integer(expires)
                json.raw(offered.tail)
            } else {
                let encoded = encodedBuild(build, of: answer, snapshots: snapshots)
                writeResponse(of: answer, offered: (encoded, licensedLinks ?? BuildLinks()), into: &json) { $0.string(installed) } expires: {
                    $0.integer(expires)
                }
            }
        } else {
            writeResponse(of: answer, offered: nil, into: &json) { $0.string(installed) } expires: { $0.integer(expires) }
        }
        json.raw("}")
        return json.buffer
    }

    /// The build object, as ``BuildResource`` encodes it (keys sorted), written directly.
    static func writeBuild(_ build: Build, links: BuildLinks, into json: inout JSONWriter) {
        EncodedBuild(build).write(links: links, into: &json)
    }

    private static func encodedBuild(_ build: Build, of answer: SiteAnswers.Answer, snapshots: CatalogSnapshots) -> EncodedBuild {
        snapshots.derivedNow("update-check:\(build.hash)", of: answer.snapshot) { EncodedBuild(build) }
    }

    /// `response`'s members and its closing brace, the offered build's with its links;
    /// `installed` writes `current_version`'s value, `expires` that of `expires`.
    fileprivate static func writeResponse(
        of answer: SiteAnswers.Answer, offered: (build: EncodedBuild, links: BuildLinks)?, into json: inout JSONWriter,
        installed: (inout JSONWriter) -> Void, expires: (inout JSONWriter) -> Void
    ) {
        let decision = answer.decision
        if let (encoded, links) = offered {
            json.key("authenticated_download_url", first: true)
            json.string(links.authenticated)
            json.key("build")
            encoded.write(links: links, into: &json)
            json.key("changelog")
            json.raw(encoded.changelog)
            json.key("channel")
        } else {
            json.key("channel", first: true)
        }
        json.string(decision.channel.rawValue)
        json.key("current_version")
        installed(&json)
        if decision.downgrade {
            json.key("downgrade")
            json.bool(true)
        }
        if let (_, links) = offered {
            json.key("download_url")
            json.string(links.download)
        }
        json.key("expires")
        expires(&json)
        json.key("new_version")
        json.string(decision.newVersion?.rawValue)
        if let (_, links) = offered {
            json.key("persistent_download_url")
            json.string(links.persistent)
        }
        json.key("product_id")
        json.string(answer.product.id.rawValue)
        json.key("product_name")
        json.string(answer.product.name)
        json.key("requested_channel")
        json.string(decision.requestedChannel.rawValue)
        if let (encoded, _) = offered {
            json.raw(encoded.requirements)
        }
        json.key("update_available")
        json.bool(decision.updateAvailable)
        json.raw("}")
    }
}

/// The `response` of an offered build to a site without a license, around its installed
/// version and its expiry: the same for every such site on the channel, so encoded once.
private struct OfferedAnswer: Sendable {
    /// The base URL its links begin with.
    let base: String
    /// From the first member to `"current_version":`.
    let head: ByteBuffer
    /// From `,"download_url":` to `"expires":`.
    let middle: ByteBuffer
    /// From `,"new_version":` to the closing brace.
    let tail: ByteBuffer

    init(_ answer: SiteAnswers.Answer, build: Build) {
        base = answer.urls.base
        // Not the kept EncodedBuild: its bytes are copied into these, and one copy per build is enough.
        let encoded = EncodedBuild(build)
        let links = answer.decision.mayDownload ? BuildLinks.unlicensed(for: build, product: answer.product, urls: answer.urls) : BuildLinks()
        var json = JSONWriter(capacity: 2048)
        var installedAt = 0
        var expiresAt = 0
        UpdateCheckAnswer.writeResponse(of: answer, offered: (encoded, links), into: &json) { installedAt = $0.buffer.readableBytes } expires: {
            expiresAt = $0.buffer.readableBytes
        }
        // One buffer of the exact size, which the parts are slices of.
        var bytes = ByteBufferAllocator().buffer(capacity: json.buffer.readableBytes)
        bytes.writeImmutableBuffer(json.buffer)
        head = bytes.getSlice(at: bytes.readerIndex, length: installedAt) ?? ByteBuffer()
        middle = bytes.getSlice(at: bytes.readerIndex + installedAt, length: expiresAt - installedAt) ?? ByteBuffer()
        tail = bytes.getSlice(at: bytes.readerIndex + expiresAt, length: bytes.readableBytes - expiresAt) ?? ByteBuffer()
    }
}

/// An offered build's part of check_for_update's answer, encoded once: the build object
/// around its two links, the changelog, and the requirements.
struct EncodedBuild: Sendable {
    /// `{"build_hash": ... ,"download_url":`
    private let head: ByteBuffer
    /// `,"file_name": ... ,"persistent_download_url":`
    private let middle: ByteBuffer
    /// `,"product": ... }`
    private let tail: ByteBuffer
    /// The changelog as a JSON string, or `null`.
    let changelog: ByteBuffer
    /// `,"requires": ... ,"requires_php": ... ,"tested": ...`
    let requirements: ByteBuffer

    /// Written into one buffer of the exact size, which the parts are slices of: one build
    /// kept in memory costs its bytes, once.
    init(_ build: Build) {
        var json = JSONWriter(capacity: 1024)
        var ends: [Int] = []
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
        ends.append(json.buffer.readableBytes)

        json.key("file_name")
        json.string(build.fileName.rawValue)
        json.key("is_latest")
        json.bool(build.isLatest)
        json.key("md5")
        json.string(build.md5)
        json.key("persistent_download_url")
        ends.append(json.buffer.readableBytes)

        json.key("product")
        json.string(build.product.rawValue)
        json.key("requires")
        json.string(build.requires)
        json.key("requires_php")
        json.string(build.requiresPHP)
        json.key("sha384")
        json.string(build.sha384)
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
        ends.append(json.buffer.readableBytes)

        json.string(build.changelog)
        ends.append(json.buffer.readableBytes)

        json.key("requires")
        json.string(build.requires)
        json.key("requires_php")
        json.string(build.requiresPHP)
        json.key("tested")
        json.string(build.tested)
        ends.append(json.buffer.readableBytes)

        var exact = ByteBufferAllocator().buffer(capacity: json.buffer.readableBytes)
        exact.writeImmutableBuffer(json.buffer)
        func part(_ index: Int) -> ByteBuffer {
            let start = index == 0 ? 0 : ends[index - 1]
            return exact.getSlice(at: exact.readerIndex + start, length: ends[index] - start) ?? ByteBuffer()
        }
        head = part(0)
        middle = part(1)
        tail = part(2)
        changelog = part(3)
        requirements = part(4)
    }

    /// The build object with `links`.
    func write(links: BuildLinks, into json: inout JSONWriter) {
        json.raw(head)
        json.string(links.download)
        json.raw(middle)
        json.string(links.persistent)
        json.raw(tail)
    }
}
