import Foundation
import HeraldCore
import HeraldStore
import Hummingbird

/// Publishing: products, uploads and removals (seed 000's upload_build and remove_build).
struct PublishingRoutes<Context: RequestContext> {
    let store: any Store
    let blobs: BlobStore
    let settings: ServerSettings
    let metrics: HeraldMetrics?

    private var authorization: Authorization { Authorization(store: store) }

    func register(on router: Router<Context>) {
        router.put("/api/v1/{product}") { request, context in
            var request = request
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            let fields = try await RequestFields.read(&request, context: context)
            return try await createProduct(product, fields: fields)
        }

        router.post("/api/v1/{product}/{channel}/builds") { request, context in
            try await upload(request, product: context.parameters.product(), channel: context.parameters.channel())
        }
        router.post("/api/upload_build") { request, _ in
            try await upload(request, product: nil, channel: nil)
        }

        router.delete("/api/v1/builds/{hash}") { request, context in
            try await remove(request, context: context, hash: context.parameters.get("hash") ?? "")
        }
        router.post("/api/v1/builds/{hash}/yank") { request, context in
            var request = request
            let token = try await authorization.token(for: request)
            let fields = try await RequestFields.read(&request, context: context)
            let hash = try BuildHash(validating: context.parameters.get("hash") ?? "", field: "build_hash")
            guard let build = try await store.build(hash) else { throw HeraldError.unknownBuild(hash.rawValue) }
            guard token.mayWrite(to: build.product) else {
                throw HeraldError.forbidden("token '\(token.name)' may not change product '\(build.product)'")
            }
            let (yanked, moved) = try await store.yankBuild(hash, reason: try Build.Yank.reason(validating: fields["reason"]), actor: token.name)
            return try envelopeResponse(
                YankResource(
                    yanked: BuildResource(build: yanked, urls: PublicURL(configured: settings.publicURL, request: request)),
                    movedChannels: moved))
        }
        router.post("/api/remove_build") { request, context in
            var request = request
            _ = try await authorization.token(for: request)
            let fields = try await RequestFields.read(&request, context: context)
            return try await remove(request, context: context, hash: fields["build_hash"] ?? fields["hash"] ?? "")
        }
    }

    /// Creates the product, or changes an existing one's name, `hidden`, `premium`, `homepage` and `description`.
    private func createProduct(_ id: ProductID, fields: RequestFields) async throws -> Response {
        let hidden = try fields.flag("hidden")
        let premium = try fields.flag("premium")
        if try await store.product(id) != nil {
            let updated = try await store.updateProduct(
                id, name: fields["product_name"] ?? fields["name"], hidden: hidden, premium: premium,
                homepage: fields.contains("homepage") ? .some(fields["homepage"]) : nil,
                description: fields.contains("description") ? .some(fields["description"]) : nil)
            return try envelopeResponse(ProductResource(product: updated))
        }
        guard let name = fields["product_name"] ?? fields["name"] else {
            throw HeraldError.invalidInput("product_name is missing: the name people see, e.g. \"Private Blog\"")
        }
        let kind = try Product.Kind(validating: fields["kind"] ?? "plugin")
        if let homepage = fields["homepage"] { try Product.validateHomepage(homepage) }
        let product = Product(
            id: id, name: name, kind: kind, hidden: hidden ?? false, premium: premium ?? false, homepage: fields["homepage"],
            description: fields["description"], createdAt: currentTimeMillis())
        try await store.createProduct(product)
        return try envelopeResponse(ProductResource(product: product), status: .created)
    }

    /// Streams the body into the blob store, reads the zip's metadata, and publishes.
    /// `product` and `channel` come from the path, or else from the fields (seed 000's names).
    private func upload(_ request: Request, product pathProduct: ProductID?, channel pathChannel: ChannelID?) async throws -> Response {
        var token = try await authorization.token(for: request)
        let query = RequestFields(query: request)
        var product = try pathProduct ?? query["product_id"].map { try ProductID(validating: $0, field: "product_id") }
        var channel = try pathChannel ?? query["channel"].map { try ChannelID(validating: $0, field: "channel") }
        // Refuse what can be refused before the body is read.
        if let product {
            token = try await authorization.token(for: request, writing: product)
            try await checkUploadTarget(product: product, channel: channel)
        }

        let body = try await UploadBody.read(request, blobs: blobs, limit: settings.maxUpload)
        let published: Build
        do {
            let field: (String) -> String? = { body.fields[$0].flatMap { $0.isEmpty ? nil : $0 } ?? query[$0] }
            product = try product ?? ProductID(validating: field("product_id") ?? "", field: "product_id")
            channel = try channel ?? field("channel").map { try ChannelID(validating: $0, field: "channel") } ?? .stable
            guard let product, let channel else { throw HeraldError.invalidInput("product_id is missing") }
            if pathProduct == nil {
                token = try await authorization.token(for: request, writing: product)
            }
            guard let productRecord = try await store.product(product) else { throw HeraldError.unknownProduct(product) }
            var fields = BuildIntake.Fields(
                version: field("version"),
                fileName: try uploadFileName(field("file_name"), client: body.clientFileName, product: product, kind: productRecord.kind))
            fields.builder = Build.Builder(name: field("builder_name") ?? field("builder"), version: field("builder_version"))
            fields.uploadedBy = field("uploaded_by")
            fields.requires = field("requires")
            fields.tested = field("tested")
            fields.requiresPHP = field("requires_php")
            fields.changelog = field("changelog")
            let critical: Bool
            switch field("critical")?.lowercased() {
            case nil, "false", "0", "no": critical = false
            case "true", "1", "yes": critical = true
            case let value?: throw HeraldError.invalidInput("critical \(quoted(value)) is invalid: true or false")
            }
            fields.app = AppDetails(
                minimumSystemVersion: field("minimum_system_version"), releaseNotesURL: field("release_notes_url"), critical: critical,
                minimumAutoupdateVersion: field("minimum_autoupdate_version"))
            published = try await BuildIntake(store: store, blobs: blobs)
                .publish(body.writer, of: productRecord, to: channel, fields: fields, actor: token.name)
        } catch {
            body.writer.discard()
            throw error
        }
        metrics?.uploaded(kind: "build", bytes: published.size)
        return try envelopeResponse(
            BuildResource(build: published, urls: PublicURL(configured: settings.publicURL, request: request)), status: .created)
    }

    private func checkUploadTarget(product: ProductID, channel: ChannelID?) async throws {
        guard try await store.product(product) != nil else { throw HeraldError.unknownProduct(product) }
        if let channel, let existing = try await store.channel(channel, of: product) {
            try existing.ensureAcceptsUploads()
        }
    }

    /// The name the file is downloaded as: `file_name` if given (validated), else the client's
    /// name for the file made safe, else `PRODUCT.zip`.
    private func uploadFileName(_ requested: String?, client: String?, product: ProductID, kind: Product.Kind) throws -> FileName {
        try Self.uploadFileName(requested, client: client, fallback: kind == .app ? "\(product).bin" : "\(product).zip")
    }

    /// `requested` if given (validated), else the client's name for the file made safe, else `fallback`.
    static func uploadFileName(_ requested: String?, client: String?, fallback: String) throws -> FileName {
        if let requested { return try FileName(validating: requested) }
        if let client {
            let last = client.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
            let safe = String(last.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" }.drop { $0 == "." }.prefix(128))
            if let name = try? FileName(validating: safe) { return name }
        }
        return try FileName(validating: fallback)
    }

    private func remove(_ request: Request, context: Context, hash text: String) async throws -> Response {
        let token = try await authorization.token(for: request)
        let hash = try BuildHash(validating: text, field: "build_hash")
        guard let build = try await store.build(hash) else { throw HeraldError.unknownBuild(hash.rawValue) }
        guard token.mayWrite(to: build.product) else {
            throw HeraldError.forbidden("token '\(token.name)' may not change product '\(build.product)'")
        }
        // Noted first: a crash between the removal's commit and the deletion leaves a note.
        let removed = try await blobs.removing(Array(try await store.blobsUsed(byBuild: hash))) {
            let (removed, unusedBlobs) = try await store.removeBuild(hash, actor: token.name)
            do {
                // Nil while another instance publishes: the note stays, and the next start deletes the files.
                let deleted = try await blobs.removeUnused(unusedBlobs) { try await !store.isBlobUsed($0) }
                return (removed, finished: deleted != nil)
            } catch {
                // The build is gone anyway; the note stays, and the next start deletes the files.
                context.logger.error("Cannot delete the files of a removed build", metadata: ["hash": "\(hash)", "error": "\(error)"])
                return (removed, finished: false)
            }
        }
        return try envelopeResponse(
            ["removed": BuildResource(build: removed, urls: PublicURL(configured: settings.publicURL, request: request))])
    }
}
