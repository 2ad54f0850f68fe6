import Foundation
import HTTPTypes
import HeraldCore
import HeraldFormats
import HeraldStore
import Hummingbird

/// A blob answered as a download: HEAD, one `Range` (206, or 416 when it cannot be met),
/// `If-None-Match` (304), `X-Content-Signature`, and the body streamed from the blob file or
/// the bucket, or a 302 to a presigned URL of the bucket (`--download-redirect`).
/// What build files and platform files are served with alike.
struct StoredFileResponse {
    let blob: BuildHash
    let size: Int64
    let fileName: FileName
    /// Hex; sent as `Content-MD5` when known.
    let md5: String?
    let blobs: BlobStore
    /// What a blob missing from the data folder answers: never an empty 200.
    let missing: HeraldError
    /// The Ed25519 signature of the file's SHA-384, base64; nil where clients check files
    /// otherwise (TUF's targets).
    let signature: (() async throws -> String)?

    func response<Context: RequestContext>(to request: Request, context: Context, immutable: Bool, private: Bool) async throws -> Response {
        let etag = "\"\(blob)\""
        var headers: HTTPFields = [
            .eTag: etag,
            .acceptRanges: "bytes",
            .contentType: Self.contentType(of: fileName),
            .contentDisposition: "attachment; filename=\"\(fileName)\"",
            .cacheControl: `private` ? "private, no-store" : immutable ? "public, max-age=31536000, immutable" : "public, no-cache",
        ]
        // `Content-MD5` is the base64 of the raw digest.
        if let md5 { headers[.init("Content-MD5")!] = Data(hexString: md5)?.base64EncodedString() ?? "" }
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
        if let signature { headers[.init("X-Content-Signature")!] = try await signature() }
        // Handed to the bucket: the presigned URL answers ranges itself, and expires. (A HEAD
        // is answered here: the URL is signed for GET.)
        if request.method == .get, let url = blobs.downloadRedirect(of: blob, fileName: fileName.rawValue) {
            guard try await blobs.contains(blob) else { throw missing }
            headers[.location] = url
            headers[.cacheControl] = "private, no-store"
            for field in [HTTPField.Name.contentType, .contentDisposition, .acceptRanges, .contentRange, .init("Content-MD5")!] {
                headers[field] = nil
            }
            headers[.contentLength] = "0"
            return Response(status: .found, headers: headers)
        }
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
            guard try await blobs.contains(blob) else { throw missing }
            return Response(status: status, headers: headers)
        }
        guard let path = blobs.localPath(of: blob) else {
            guard let contents = try await blobs.openContents(of: blob, range: range ?? 0...(size - 1)) else { throw missing }
            return Response(status: status, headers: headers, body: ResponseBody(asyncSequence: contents))
        }
        guard try await blobs.contains(blob) else { throw missing }
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
