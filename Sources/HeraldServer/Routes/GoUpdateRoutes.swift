import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird

/// `/goupdate/{product}/`: the live GoUpdate repository of every app product, in seed 001's
/// layout and MultiMC's (``GoUpdateRepository``), each document also as `NAME.sig`, and the
/// file blobs under `files/{sha256}`.
struct GoUpdateRoutes<Context: RequestContext> {
    let store: any Store
    let snapshots: CatalogSnapshots
    let blobs: BlobStore
    let signer: PackageSigner
    let publicURL: String?

    func register(on router: Router<Context>) {
        router.get("/goupdate/{product}/{name}") { request, context in
            try await document(context.parameters.get("name") ?? "", of: context.parameters.product(), request: request)
        }
        // `files` is a reserved channel id, so a channel's folder is never the blobs'.
        router.get("/goupdate/{product}/files/{hash}") { _, context in
            try await file(context.parameters.get("hash") ?? "", of: context.parameters.product(), context: context)
        }
        // `name` is a channel's id here: the router needs one name per position.
        router.get("/goupdate/{product}/{name}/{document}") { request, context in
            let name = "\(context.parameters.get("name") ?? "")/\(context.parameters.get("document") ?? "")"
            return try await document(name, of: context.parameters.product(), request: request)
        }
    }

    /// A repository document, or its detached signature when `name` ends in `.sig`.
    private func document(_ name: String, of id: ProductID, request: Request) async throws -> Response {
        let snapshot = try await app(id)
        let product = snapshot.product.id
        let base = PublicURL(configured: publicURL, request: request).base
        var repository = try await self.repository(of: snapshot)
        repository.repositoryURL = "\(base)/goupdate/\(product)"
        repository.filesURL = repository.repositoryURL + "/files"
        let signed = name.hasSuffix(".sig")
        guard let document = try repository.document(named: signed ? String(name.dropLast(4)) : name) else {
            throw HeraldError.notInRepository(name, of: product)
        }
        if signed {
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: try signer.sign(document))))
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(data: document)))
    }

    /// A file blob of one of the builds the repository lists.
    private func file(_ name: String, of id: ProductID, context: Context) async throws -> Response {
        let snapshot = try await app(id)
        let product = snapshot.product.id
        let hash = try BuildHash(validating: name, field: "hash")
        guard try await repository(of: snapshot).blobs.contains(hash) else { throw HeraldError.notInRepository("files/\(hash)", of: product) }
        // A file whose blob is gone is missing, never an empty answer.
        guard let size = try await blobs.size(of: hash) else { throw HeraldError.notInRepository("files/\(hash)", of: product) }
        let headers: HTTPFields = [
            .contentType: "application/octet-stream", .contentLength: String(size), .eTag: "\"\(hash)\"",
            .cacheControl: "public, max-age=31536000, immutable",
        ]
        guard size > 0 else { return Response(status: .ok, headers: headers) }
        guard let path = blobs.localPath(of: hash) else {
            guard let contents = try await blobs.openContents(of: hash, range: 0...(size - 1)) else {
                throw HeraldError.notInRepository("files/\(hash)", of: product)
            }
            return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: contents))
        }
        return Response(status: .ok, headers: headers, body: try await FileIO().loadFile(path: path, context: context))
    }

    /// The product's snapshot; it must be an app: only apps have GoUpdate repositories. A
    /// premium app's repository is not public: GoUpdate clients send no license.
    private func app(_ id: ProductID) async throws -> CatalogSnapshot {
        guard let snapshot = try await snapshots.snapshot(of: id), snapshot.product.kind == .app else { throw HeraldError.unknownProduct(id) }
        if snapshot.product.premium { throw HeraldError.licenseRequired(id) }
        return snapshot
    }

    /// The repository as the store has it, read once per product revision and day (channel
    /// files expire); the address in its file URLs is set per request.
    private func repository(of snapshot: CatalogSnapshot) async throws -> GoUpdateRepository {
        let day = currentTimeMillis() / 86_400_000
        return try await snapshots.derived("goupdate:\(day)", of: snapshot) {
            try await GoUpdateRepository.load(snapshot, store: store, filesURL: "")
        }
    }
}
