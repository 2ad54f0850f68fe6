import Foundation
import HTTPTypes
import HeraldCore
import HeraldFormats
import HeraldStore
import Hummingbird

/// Build files: `/file/{hash}/{file}` (immutable, cached for a year) and
/// `/download/{product}/{version}/{file}` (the newest upload of that version).
///
/// Both answer HEAD, one `Range` (206, or 416 when it cannot be met), `If-None-Match` (304),
/// and stream the body from the blob file. Each carries the package's Ed25519 signature in
/// `X-Content-Signature`, and the same URL with `.sig` appended answers the signature alone,
/// which is where WordPress looks when the header is missing. The URL's file name is only for the client; the
/// file is found by hash or by product and version, never by a path from the request.
struct DownloadRoutes<Context: RequestContext> {
    let store: any Store
    let blobs: BlobStore
    let signatures: PackageSignatures
    let links: LicensedDownloadLinks

    func register(on router: Router<Context>) {
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/licensed/{product}/{hash}/{file}", method: method) { request, context in
                let product = try context.parameters.product()
                let hash = try BuildHash(validating: context.parameters.get("hash") ?? "", field: "hash")
                let file = try FileName(validating: context.parameters.get("file") ?? "", field: "file_name")
                let query = RequestFields(query: request)
                guard let licenseID = query["license"], let expiresText = query["expires"], let expires = Int64(expiresText),
                    let signature = query["signature"]
                else { throw HeraldError.linkInvalid }
                _ = try await links.verify(
                    .init(product: product, build: hash, licenseID: licenseID, expires: expires, signature: signature),
                    now: currentTimeMillis() / 1000)
                guard let build = try await store.build(hash), build.product == product else { throw HeraldError.unknownBuild(hash.rawValue) }
                if Self.asksForSignature(file, of: build) {
                    return try await signatureResponse(build, request: request, immutable: false)
                }
                return try await serve(build, request: request, context: context, immutable: false, private: true)
            }
            router.on("/file/{hash}/{file}", method: method) { request, context in
                let hash = try BuildHash(validating: context.parameters.get("hash") ?? "", field: "hash")
                let file = try FileName(validating: context.parameters.get("file") ?? "", field: "file_name")
                guard let build = try await store.build(hash) else { throw HeraldError.unknownBuild(hash.rawValue) }
                try await refusePremium(build.product)
                if Self.asksForSignature(file, of: build) {
                    return try await signatureResponse(build, request: request, immutable: true)
                }
                return try await serve(build, request: request, context: context, immutable: true)
            }
            router.on("/download/{product}/{version}/{file}", method: method) { request, context in
                let product = try context.parameters.product()
                let version = try Version(validating: context.parameters.get("version") ?? "", field: "version")
                let file = try FileName(validating: context.parameters.get("file") ?? "", field: "file_name")
                guard let build = try await store.build(of: product, version: version) else {
                    throw HeraldError.unknownBuild("\(product) \(version)")
                }
                try await refusePremium(product)
                if Self.asksForSignature(file, of: build) {
                    return try await signatureResponse(build, request: request, immutable: false)
                }
                return try await serve(build, request: request, context: context, immutable: false)
            }
        }
    }

    /// A premium product's builds, and their signatures, are given only through signed links.
    private func refusePremium(_ product: ProductID) async throws {
        if try await store.product(product)?.premium == true { throw HeraldError.licenseRequired(product) }
    }

    /// `NAME.sig` where the build's file is `NAME`.
    private static func asksForSignature(_ file: FileName, of build: Build) -> Bool {
        file.rawValue == build.fileName.rawValue + ".sig"
    }

    private func signatureResponse(_ build: Build, request: Request, immutable: Bool) async throws -> Response {
        let signature = try await signatures.signature(of: build)
        let headers: HTTPFields = [
            .contentType: "text/plain; charset=utf-8",
            .contentLength: String(signature.utf8.count),
            .cacheControl: immutable ? "public, max-age=31536000, immutable" : "public, no-cache",
        ]
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: signature)))
    }

    private func serve(_ build: Build, request: Request, context: Context, immutable: Bool, private: Bool = false) async throws -> Response {
        // A build whose file is gone from the data folder answers 404, never an empty 200.
        try await StoredFileResponse(
            blob: build.hash, size: build.size, fileName: build.fileName, md5: build.md5, blobs: blobs,
            missing: HeraldError.unknownBuild(build.hash.rawValue)
        ) {
            try await signatures.signature(of: build)
        }.response(to: request, context: context, immutable: immutable, private: `private`)
    }
}
