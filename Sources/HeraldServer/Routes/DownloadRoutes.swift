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
        let etag = "\"\(build.hash)\""
        var headers: HTTPFields = [
            .eTag: etag,
            .acceptRanges: "bytes",
            .contentType: Self.contentType(of: build.fileName),
            .contentDisposition: "attachment; filename=\"\(build.fileName)\"",
            .cacheControl: `private` ? "private, no-store" : immutable ? "public, max-age=31536000, immutable" : "public, no-cache",
            // `Content-MD5` is the base64 of the raw digest.
            .init("Content-MD5")!: Data(hexString: build.md5)?.base64EncodedString() ?? "",
        ]
        let size = build.size
        if let match = request.headers[.ifNoneMatch], EntityTags.list(match, matches: etag) {
            headers[.contentLength] = String(size)
            return Response(status: .notModified, headers: headers)
        }
        var range: ClosedRange<Int64>?
        // Range applies to GET only, and only while If-Range (if sent) still names this file.
        if request.method == .get, let header = request.headers[.range], size > 0,
            request.headers[.ifRange].map({ $0 == etag }) ?? true
        {
            switch ByteRange.parse(header, size: size) {
            case .satisfiable(let requested):
                range = requested
            case .unsatisfiable:
                var response = errorEnvelopeResponse(
                    status: .rangeNotSatisfiable, code: "range_not_satisfiable",
                    message: "the range \(quoted(header)) lies outside the file's \(size) bytes")
                response.headers[.contentRange] = "bytes */\(size)"
                return response
            case .ignored:
                range = nil
            }
        }
        // A build whose file is gone from the data folder answers 404, never an empty 200.
        guard blobs.contains(build.hash) else { throw HeraldError.unknownBuild(build.hash.rawValue) }
        headers[.init("X-Content-Signature")!] = try await signatures.signature(of: build)
        let path = blobs.path(of: build.hash)
        let status: HTTPResponse.Status
        if let range {
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.upperBound - range.lowerBound + 1)
        } else {
            status = .ok
            headers[.contentLength] = String(size)
        }
        if request.method == .head || size == 0 {
            return Response(status: status, headers: headers)
        }
        let fileRange = range.map { Int($0.lowerBound)...Int($0.upperBound) } ?? 0...Int(size - 1)
        let body = try await FileIO().loadFile(path: path, range: fileRange, context: context)
        return Response(status: status, headers: headers, body: body)
    }

    private static func contentType(of name: FileName) -> String {
        let lower = name.rawValue.lowercased()
        if lower.hasSuffix(".zip") { return "application/zip" }
        if lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz") || lower.hasSuffix(".gz") { return "application/gzip" }
        return "application/octet-stream"
    }
}
