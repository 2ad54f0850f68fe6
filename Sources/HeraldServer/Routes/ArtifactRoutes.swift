import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird

/// Platform files of app builds: `POST /api/v1/builds/{hash}/artifacts?platform=P` adds one
/// (the body is the file, raw or as the `file` part of a form), `GET` lists them, and
/// `/artifact/{hash}/{platform}/{file}` downloads one like a build's file, `.sig` appended
/// for its signature alone.
struct ArtifactRoutes<Context: RequestContext> {
    let store: any Store
    let blobs: BlobStore
    let signer: PackageSigner
    let settings: ServerSettings
    let metrics: HeraldMetrics?

    private var authorization: Authorization { Authorization(store: store) }

    func register(on router: Router<Context>) {
        router.post("/api/v1/builds/{hash}/artifacts") { request, context in
            let (build, _) = try await appBuild(request, context: context)
            let query = RequestFields(query: request)
            // Refused before the body is read when the query names a bad platform.
            if let named = query["platform"] { _ = try Platform(validating: named) }
            let body = try await UploadBody.read(request, blobs: blobs, limit: settings.maxUpload)
            let artifact: Artifact
            do {
                let field: (String) -> String? = { body.fields[$0].flatMap { $0.isEmpty ? nil : $0 } ?? query[$0] }
                guard let named = field("platform") else {
                    throw HeraldError.invalidInput("platform is missing: \(Platform.rule)")
                }
                let platform = try Platform(validating: named)
                let fallback = "\(build.product)-\(build.version)-\(platform)".map { $0 == "+" ? "-" : $0 }.prefix(124) + ".bin"
                let fileName = try PublishingRoutes<Context>.uploadFileName(field("file_name"), client: body.clientFileName, fallback: String(fallback))
                artifact = try await ArtifactIntake(store: store, blobs: blobs, signer: signer)
                    .add(body.writer, to: build, platform: platform, fileName: fileName)
            } catch {
                body.writer.discard()
                throw error
            }
            metrics?.uploaded(kind: "platform_file", bytes: artifact.size)
            let urls = PublicURL(configured: settings.publicURL, request: request)
            return try envelopeResponse(ArtifactResource(artifact: artifact, url: urls.download(of: artifact)), status: .created)
        }
        router.get("/api/v1/builds/{hash}/artifacts") { request, context in
            let (build, _) = try await appBuild(request, context: context)
            let urls = PublicURL(configured: settings.publicURL, request: request)
            let artifacts = try await store.artifacts(of: [build.hash])[build.hash] ?? []
            return try envelopeResponse(artifacts.map { ArtifactResource(artifact: $0, url: urls.download(of: $0)) })
        }
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/artifact/{hash}/{platform}/{file}", method: method) { request, context in
                let hash = try BuildHash(validating: context.parameters.get("hash") ?? "", field: "hash")
                let platform = try Platform(validating: context.parameters.get("platform") ?? "")
                let file = try FileName(validating: context.parameters.get("file") ?? "", field: "file_name")
                guard let build = try await store.build(hash) else { throw HeraldError.unknownBuild(hash.rawValue) }
                if try await store.product(build.product)?.premium == true { throw HeraldError.licenseRequired(build.product) }
                guard let artifact = try await store.artifacts(of: [hash])[hash]?.first(where: { $0.platform == platform }) else {
                    throw HeraldError.unknownArtifact(platform.rawValue, of: hash)
                }
                let signature = try signer.signature(sha384: artifact.sha384)
                if file.rawValue == artifact.fileName.rawValue + ".sig" {
                    let headers: HTTPFields = [
                        .contentType: "text/plain; charset=utf-8", .contentLength: String(signature.utf8.count), .cacheControl: "public, no-cache",
                    ]
                    if request.method == .head { return Response(status: .ok, headers: headers) }
                    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: signature)))
                }
                return try await StoredFileResponse(
                    blob: artifact.blob, size: artifact.size, fileName: artifact.fileName, md5: nil, blobs: blobs,
                    missing: HeraldError.unknownArtifact(platform.rawValue, of: hash)
                ) {
                    signature
                    // A platform's file can be replaced under the same name: caches revalidate (ETag).
                }.response(to: request, context: context, immutable: false, private: false)
            }
        }
    }

    /// The build of the path, which must be an app's that the request's token may change.
    private func appBuild(_ request: Request, context: Context) async throws -> (Build, APIToken) {
        let token = try await authorization.token(for: request)
        let hash = try BuildHash(validating: context.parameters.get("hash") ?? "", field: "hash")
        guard let build = try await store.build(hash) else { throw HeraldError.unknownBuild(hash.rawValue) }
        guard token.mayWrite(to: build.product) else {
            throw HeraldError.forbidden("token '\(token.name)' may not change product '\(build.product)'")
        }
        guard try await store.product(build.product)?.kind == .app else { throw HeraldError.notAnApp(build.product) }
        return (build, token)
    }
}

/// A platform file as the API shows it.
struct ArtifactResource: Encodable {
    let artifact: Artifact
    let url: String

    enum CodingKeys: String, CodingKey {
        case build = "build_hash", platform, fileName = "file_name", size, sha256, sha384, sha512, blake2b
        case edSignature = "ed_signature", uploadedAt = "uploaded_at", url
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(artifact.build, forKey: .build)
        try container.encode(artifact.platform.rawValue, forKey: .platform)
        try container.encode(artifact.fileName, forKey: .fileName)
        try container.encode(artifact.size, forKey: .size)
        try container.encode(artifact.blob.rawValue, forKey: .sha256)
        try container.encode(artifact.sha384, forKey: .sha384)
        try container.encode(artifact.sha512, forKey: .sha512)
        try container.encode(artifact.blake2b, forKey: .blake2b)
        try container.encode(artifact.edSignature, forKey: .edSignature)
        try container.encode(artifact.uploadedAt, forKey: .uploadedAt)
        try container.encode(url, forKey: .url)
    }
}
