import AsyncHTTPClient
import Crypto
import Foundation
import HeraldCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// The S3 requests the blob store makes of its bucket: HEAD, streamed GET (with a range), PUT
/// from a file (in parts above ``multipartThreshold``), DELETE, a listing, and presigned URLs.
/// Every failure is `blob_store_unavailable`, with S3's code and message for the log.
final class Bucket: Sendable {
    let location: BucketLocation
    private let signature: SignatureV4
    private let client: HTTPClient
    private let threadPool: NIOThreadPool
    /// `host[:port]` as sent in `Host` and signed.
    private let host: String

    /// Files larger than this go up in parts of ``partSize(for:)``; smaller ones in one PUT.
    static let multipartThreshold: Int64 = 16 << 20

    init(location: BucketLocation, threadPool: NIOThreadPool) {
        self.location = location
        signature = SignatureV4(credentials: location.credentials, region: location.region)
        // No read timeout: a download streamed to a slow site pauses its reads from the bucket
        // (backpressure). Each request has a deadline instead. Downloads hold a connection
        // each for their length, so the pool is wide.
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1024)
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.threadPool = threadPool
        host = String(location.endpoint.drop { $0 != "/" }.dropFirst(2))
    }

    deinit {
        // Not syncShutdown: the last reference may go on an event loop, which must not block.
        client.shutdown { _ in }
    }

    /// `PREFIX/ab/cd/abcd…`: the folder store's layout.
    func key(of hash: BuildHash) -> String {
        let relative = BlobStore.relativePath(of: hash)
        return location.prefix.isEmpty ? relative : "\(location.prefix)/\(relative)"
    }

    private func path(of key: String?) -> String {
        "/\(SignatureV4.encode(location.bucket))" + (key.map { "/" + SignatureV4.encode($0, keepingSlash: true) } ?? "")
    }

    /// The object's size, or nil when there is none.
    func size(of key: String) async throws -> Int64? {
        let response = try await send(.HEAD, key: key, deadline: .seconds(60), accepting: [200, 404])
        guard response.status.code == 200 else { return nil }
        guard let length = response.headers.first(name: "content-length").flatMap(Int64.init) else {
            throw HeraldError.blobStoreUnavailable("HEAD \(key) answered no Content-Length")
        }
        return length
    }

    /// The object's bytes, or those of `range`, as they arrive; nil when there is no object.
    /// Asked before an answer is sent, so that a failure is an error answer, not a cut body.
    func contents(of key: String, range: ClosedRange<Int64>?) async throws -> HTTPClientResponse.Body? {
        var headers: [(String, String)] = []
        if let range { headers.append(("range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        let response = try await send(.GET, key: key, headers: headers, deadline: .hours(24), accepting: [200, 206, 404])
        if response.status.code == 404 { return nil }
        // A server that ignored the range would send more bytes than the answer announced.
        if let range, response.status.code != 206 || response.headers.first(name: "content-range")?.hasPrefix("bytes \(range.lowerBound)-\(range.upperBound)/") != true {
            throw HeraldError.blobStoreUnavailable("GET \(key) answered \(response.status.code) to a range request without that range")
        }
        return response.body
    }

    /// Stores the file at `path` (`size` bytes whose SHA-256 is `sha256`) as `key`, read a part
    /// at a time: never more than one part in memory.
    func upload(fileAt path: String, size: Int64, sha256: String, as key: String) async throws {
        if size <= Self.multipartThreshold {
            let bytes = try await read(path, offset: 0, count: Int(size))
            _ = try await send(.PUT, key: key, body: bytes, payloadHash: sha256, deadline: .minutes(10), accepting: [200])
            return
        }
        let created = try await send(.POST, key: key, query: [("uploads", "")], deadline: .seconds(60), accepting: [200])
        let createdText = try await text(of: created)
        guard let uploadID = BucketXML.values(of: "UploadId", in: createdText).first, !uploadID.isEmpty else {
            throw HeraldError.blobStoreUnavailable("POST \(key)?uploads answered no UploadId")
        }
        do {
            let partSize = Self.partSize(for: size)
            var parts: [String] = []
            var offset: Int64 = 0
            // The parts' bytes must be the ones the name was computed from: checked before the
            // object is made.
            var whole = SHA256()
            while offset < size {
                let count = Int(min(partSize, size - offset))
                let bytes = try await read(path, offset: offset, count: count)
                let hash = bytes.withUnsafeReadableBytes { part in
                    whole.update(bufferPointer: part)
                    return SHA256.hash(data: part).hexString
                }
                let response = try await send(
                    .PUT, key: key, query: [("partNumber", String(parts.count + 1)), ("uploadId", uploadID)], body: bytes,
                    payloadHash: hash, deadline: .minutes(10), accepting: [200])
                guard let etag = response.headers.first(name: "etag") else {
                    throw HeraldError.blobStoreUnavailable("PUT \(key) part \(parts.count + 1) answered no ETag")
                }
                parts.append(etag)
                offset += Int64(count)
            }
            guard whole.finalize().hexString == sha256 else {
                throw BlobStoreError(operation: "upload", path: path, code: EIO)
            }
            let document = "<CompleteMultipartUpload>"
                + parts.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(BucketXML.escaped($0.element))</ETag></Part>" }
                .joined() + "</CompleteMultipartUpload>"
            let body = ByteBuffer(string: document)
            let completed = try await send(
                .POST, key: key, query: [("uploadId", uploadID)], body: body, payloadHash: SHA256.hash(data: Data(document.utf8)).hexString,
                deadline: .minutes(10), accepting: [200])
            // S3 may answer 200 and then report the failure in the body.
            let completedText = try await text(of: completed)
            if completedText.contains("<Error>") {
                throw HeraldError.blobStoreUnavailable("completing \(key): \(BucketXML.values(of: "Message", in: completedText).first ?? completedText)")
            }
        } catch {
            _ = try? await send(.DELETE, key: key, query: [("uploadId", uploadID)], deadline: .seconds(60), accepting: [204, 200, 404])
            throw error
        }
    }

    /// Parts of at least 16 MiB, and large enough that no file needs more than S3's 10,000.
    static func partSize(for size: Int64) -> Int64 {
        let least: Int64 = 16 << 20
        let needed = (size / 10_000) + 1
        return max(least, (needed + (1 << 20) - 1) / (1 << 20) * (1 << 20))
    }

    func delete(_ key: String) async throws {
        _ = try await send(.DELETE, key: key, deadline: .seconds(60), accepting: [200, 204, 404])
    }

    /// Every object under the prefix, with when it was written, a thousand a request.
    func list() async throws -> [(key: String, modified: Date)] {
        var objects: [(key: String, modified: Date)] = []
        var token: String?
        let prefix = location.prefix.isEmpty ? "" : location.prefix + "/"
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let document = try await text(of: try await send(.GET, key: nil, query: query, deadline: .seconds(120), accepting: [200]))
            for entry in BucketXML.values(of: "Contents", in: document) {
                guard let key = BucketXML.values(of: "Key", in: entry).first else { continue }
                let modified = BucketXML.values(of: "LastModified", in: entry).first.flatMap(Self.date) ?? .distantPast
                objects.append((key, modified))
            }
            token = BucketXML.values(of: "IsTruncated", in: document).first == "true"
                ? BucketXML.values(of: "NextContinuationToken", in: document).first : nil
        } while token != nil
        return objects
    }

    /// A URL that GETs `key` without credentials for `lifetime` seconds, answered as an
    /// attachment named `fileName`.
    func presignedURL(of key: String, fileName: String, lifetime: Int, at date: Date = Date()) -> String {
        let path = path(of: key)
        let query = signature.presignedQuery(
            path: path, query: [("response-content-disposition", "attachment; filename=\"\(fileName)\"")], host: host,
            expires: lifetime, at: date)
        return "\(location.endpoint)\(path)?\(query)"
    }

    /// Whether the bucket answers this Herald's credentials: what `herald serve` checks at start.
    func check() async throws {
        _ = try await send(.GET, key: nil, query: [("list-type", "2"), ("max-keys", "1")], deadline: .seconds(30), accepting: [200])
    }

    /// How many times an idempotent request is sent before its failure is reported.
    private static let attempts = 3
    private static let retried: [HTTPMethod] = [.GET, .HEAD, .PUT, .DELETE]

    /// Sends the request again, signed afresh, after 200 ms, then 800 ms.
    private func retry(
        _ method: HTTPMethod, key: String?, query: [(String, String)], headers: [(String, String)], body: ByteBuffer?,
        payloadHash: String, deadline: TimeAmount, accepting: Set<UInt>, attempt: Int
    ) async throws -> HTTPClientResponse {
        try await Task.sleep(for: .milliseconds(200 << (2 * (attempt - 1))))
        return try await send(
            method, key: key, query: query, headers: headers, body: body, payloadHash: payloadHash, deadline: deadline, accepting: accepting,
            attempt: attempt + 1)
    }

    private func send(
        _ method: HTTPMethod, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [], body: ByteBuffer? = nil,
        payloadHash: String = SignatureV4.emptyPayloadHash, deadline: TimeAmount, accepting: Set<UInt>, attempt: Int = 1
    ) async throws -> HTTPClientResponse {
        let path = path(of: key)
        let signed = signature.headers(
            method: method.rawValue, path: path, query: query, headers: headers + [("host", host)], payloadHash: payloadHash, at: Date())
        let queryText = SignatureV4.canonicalQuery(query)
        var request = HTTPClientRequest(url: location.endpoint + path + (queryText.isEmpty ? "" : "?" + queryText))
        request.method = method
        request.headers.add(name: "Host", value: host)
        for (name, value) in signed { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .now() + deadline)
        } catch {
            guard attempt < Self.attempts, Self.retried.contains(method), !Task.isCancelled else {
                throw HeraldError.blobStoreUnavailable("\(method) \(key ?? location.bucket): \(error)")
            }
            return try await retry(method, key: key, query: query, headers: headers, body: body, payloadHash: payloadHash, deadline: deadline, accepting: accepting, attempt: attempt)
        }
        // S3 asks clients to retry 500 and 503 (SlowDown).
        if [500, 503].contains(response.status.code), attempt < Self.attempts, Self.retried.contains(method), !accepting.contains(response.status.code) {
            _ = try? await response.body.collect(upTo: 1 << 20)
            return try await retry(method, key: key, query: query, headers: headers, body: body, payloadHash: payloadHash, deadline: deadline, accepting: accepting, attempt: attempt)
        }
        guard accepting.contains(response.status.code) else {
            let text = (try? await text(of: response)) ?? ""
            let code = BucketXML.values(of: "Code", in: text).first ?? ""
            let message = BucketXML.values(of: "Message", in: text).first ?? ""
            throw HeraldError.blobStoreUnavailable("\(method) \(key ?? location.bucket) answered \(response.status.code) \(code) \(message)")
        }
        return response
    }

    /// A small answer's body as text (at most 4 MiB: a listing of a thousand keys).
    private func text(of response: HTTPClientResponse) async throws -> String {
        do {
            return String(buffer: try await response.body.collect(upTo: 4 << 20))
        } catch {
            throw HeraldError.blobStoreUnavailable("reading the bucket's answer: \(error)")
        }
    }

    /// `count` bytes of the file at `path` from `offset`, read on the thread pool.
    private func read(_ path: String, offset: Int64, count: Int) async throws -> ByteBuffer {
        try await threadPool.runIfActive {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw BlobStoreError(operation: "open", path: path, code: errno) }
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            var buffer = ByteBuffer()
            buffer.reserveCapacity(count)
            while buffer.readableBytes < count {
                guard let data = try handle.read(upToCount: min(1 << 20, count - buffer.readableBytes)), !data.isEmpty else {
                    throw BlobStoreError(operation: "read", path: path, code: EIO)
                }
                buffer.writeBytes(data)
            }
            return buffer
        }
    }

    private static func date(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return withFraction.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}
