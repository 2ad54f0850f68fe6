import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird

/// `/goupdate/{product}/`: the live GoUpdate repository (seed 001) of every app product:
/// `index.json`, `{Id}.json`, `{channel}.json`, each also as `NAME.sig`, and the file blobs
/// under `files/{sha256}`.
struct GoUpdateRoutes<Context: RequestContext> {
    let store: any Store
    let blobs: BlobStore
    let signer: PackageSigner
    let publicURL: String?

    func register(on router: Router<Context>) {
        router.get("/goupdate/{product}/{document}") { request, context in
            let product = try await app(context.parameters.product())
            let name = context.parameters.get("document") ?? ""
            let signed = name.hasSuffix(".sig")
            let documentName = signed ? String(name.dropLast(4)) : name
            let base = PublicURL(configured: publicURL, request: request).base
            let repository = try await GoUpdateRepository.load(product, store: store, filesURL: "\(base)/goupdate/\(product)/files")
            guard let document = try repository.documents().first(where: { $0.name == documentName }) else {
                throw HeraldError.notInRepository(name, of: product)
            }
            if signed {
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"],
                    body: .init(byteBuffer: ByteBuffer(string: try signer.sign(document.bytes))))
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(data: document.bytes)))
        }
        router.get("/goupdate/{product}/files/{hash}") { request, context in
            let product = try await app(context.parameters.product())
            let hash = try BuildHash(validating: context.parameters.get("hash") ?? "", field: "hash")
            guard try await store.isFileBlob(hash, of: product) else { throw HeraldError.notInRepository("files/\(hash)", of: product) }
            let path = blobs.path(of: hash)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            let headers: HTTPFields = [
                .contentType: "application/octet-stream", .contentLength: String(size), .eTag: "\"\(hash)\"",
                .cacheControl: "public, max-age=31536000, immutable",
            ]
            guard size > 0 else { return Response(status: .ok, headers: headers) }
            return Response(status: .ok, headers: headers, body: try await FileIO().loadFile(path: path, context: context))
        }
    }

    /// The product, which must be an app: only apps have GoUpdate repositories. A premium
    /// app's repository is not public: GoUpdate clients send no license.
    private func app(_ id: ProductID) async throws -> ProductID {
        guard let product = try await store.product(id), product.kind == .app else { throw HeraldError.unknownProduct(id) }
        if product.premium { throw HeraldError.licenseRequired(id) }
        return id
    }
}
