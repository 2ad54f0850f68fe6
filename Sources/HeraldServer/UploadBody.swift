import Foundation
import HeraldCore
import HeraldFormats
import HeraldStore
import Hummingbird

/// An upload's body read into the blob store: the file (completed, not yet committed) and the
/// text fields that came with it, from a raw body or from `multipart/form-data`.
struct UploadBody {
    let writer: BlobWriter
    let blob: StoredBlob
    /// The multipart fields (query parameters are the caller's business).
    let fields: [String: String]
    /// The file name the client gave the `file` part, if any.
    let clientFileName: String?

    /// The largest text field of a multipart body.
    private static let fieldLimit = 64 * 1024

    /// Streams `request`'s body into a new blob writer. Throws `too_large` past `limit`
    /// (nothing is kept), `invalid_multipart` for a broken or truncated multipart body.
    static func read(_ request: Request, blobs: BlobStore, limit: Int64) async throws -> UploadBody {
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > limit + fieldsAllowance {
            throw HeraldError.tooLarge(limit: limit)
        }
        let writer = try await blobs.makeWriter(limit: limit)
        do {
            let contentType = request.headers[.contentType] ?? ""
            if contentType.lowercased().hasPrefix("multipart/form-data") {
                let boundary = try boundary(of: contentType)
                let (fields, fileName) = try await readMultipart(request.body, boundary: boundary, into: writer, limit: limit)
                return UploadBody(writer: writer, blob: try await writer.complete(), fields: fields, clientFileName: fileName)
            }
            for try await chunk in request.body {
                try await writer.write(chunk)
            }
            guard writer.size > 0 else {
                throw HeraldError.invalidInput("the body is empty: send the zip as the body, or as the `file` part of a multipart form")
            }
            return UploadBody(writer: writer, blob: try await writer.complete(), fields: [:], clientFileName: nil)
        } catch {
            writer.discard()
            throw error
        }
    }

    /// Room for a multipart body's headers and fields beyond the file's own limit.
    private static let fieldsAllowance: Int64 = 1 << 20

    private static func boundary(of contentType: String) throws -> String {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if (1...70).contains(value.count) { return value }
        }
        throw HeraldError.invalidMultipart("the Content-Type has no boundary")
    }

    private static func readMultipart(
        _ body: RequestBody, boundary: String, into writer: BlobWriter, limit: Int64
    ) async throws -> ([String: String], String?) {
        var reader = MultipartReader(boundary: boundary)
        var fields: [String: String] = [:]
        var headers: [String: String] = [:]
        var fieldBytes: [UInt8] = []
        var fileName: String?
        var inFile = false
        var fileDone = false
        var otherBytes: Int64 = 0

        var total: Int64 = 0
        for try await chunk in body {
            total += Int64(chunk.readableBytes)
            guard total <= limit + fieldsAllowance else { throw HeraldError.tooLarge(limit: limit) }
            if reader.isComplete { continue }
            let events: [MultipartReader.Event]
            do {
                events = try reader.read(chunk.readableBytesView)
            } catch {
                throw HeraldError.invalidMultipart(error.description)
            }
            for event in events {
                switch event {
                case .header(let name, let value):
                    headers[name.lowercased()] = value
                    if name.lowercased() == "content-disposition" {
                        let disposition = ContentDisposition(value)
                        inFile = disposition.name == "file"
                        if inFile {
                            guard !fileDone else { throw HeraldError.invalidMultipart("there is more than one `file` part") }
                            fileName = disposition.fileName
                        }
                    }
                case .body(let bytes):
                    if inFile {
                        try await writer.write(ByteBuffer(bytes: bytes))
                    } else {
                        otherBytes += Int64(bytes.count)
                        guard fieldBytes.count + bytes.count <= fieldLimit, otherBytes <= fieldsAllowance else {
                            throw HeraldError.invalidMultipart("a field is longer than \(fieldLimit) bytes")
                        }
                        fieldBytes += bytes
                    }
                case .partComplete:
                    if inFile {
                        fileDone = true
                    } else if let name = headers["content-disposition"].flatMap({ ContentDisposition($0).name }) {
                        guard let text = String(validating: fieldBytes, as: UTF8.self) else {
                            throw HeraldError.invalidMultipart("the field \(quoted(name)) is not UTF-8 text")
                        }
                        fields[name] = text
                    }
                    inFile = false
                    headers = [:]
                    fieldBytes = []
                }
            }
        }
        guard fileDone else {
            throw HeraldError.invalidMultipart(
                writer.size > 0 ? "the body ends before the `file` part does" : "there is no `file` part with the zip")
        }
        guard writer.size > 0 else { throw HeraldError.invalidMultipart("the `file` part is empty") }
        return (fields, fileName)
    }
}

/// The `name` and `filename` of a `Content-Disposition: form-data` header.
struct ContentDisposition {
    var name: String?
    var fileName: String?

    init(_ header: String) {
        for parameter in header.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
            var value = parts[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            switch key {
            case "name": name = value
            case "filename": fileName = value
            default: break
            }
        }
    }
}
