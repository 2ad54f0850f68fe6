import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird

/// `/tuf/{product}/metadata/`: an app's TUF metadata (`timestamp.json`, `N.snapshot.json`,
/// `N.targets.json`, `N.root.json`, and the newest of each without a version), and
/// `/tuf/{product}/targets/{channel}/{sha256}.{name}`: its target files, by hash, as a client
/// with consistent snapshots asks for them.
struct TUFRoutes<Context: RequestContext> {
    let repositories: TUFRepositories
    let blobs: BlobStore

    private var store: any Store { repositories.store }

    func register(on router: Router<Context>) {
        router.get("/tuf/{product}/metadata/{file}") { _, context in
            let snapshot = try await app(context.parameters.product())
            let product = snapshot.product.id
            let name = context.parameters.get("file") ?? ""
            guard name.hasSuffix(".json") else { throw HeraldError.notInRepository(name, of: product) }
            let parts = name.dropLast(5).split(separator: ".", maxSplits: 1).map(String.init)
            let current = try await repositories.current(snapshot)
            let record: TUFRecord?
            switch parts.count {
            case 1 where TUFMetadata.roles.contains(parts[0]):
                record = parts[0] == "root" ? try await latestRoot(of: product) : current[parts[0]]
            case 2 where ["root", "targets", "snapshot"].contains(parts[1]):
                // A number of at most 18 digits: never a trap, never a huge query.
                guard parts[0].count <= 18, parts[0].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let version = Int64(parts[0]) else {
                    throw HeraldError.notInRepository(name, of: product)
                }
                record = try await store.tufRecord(of: product, role: parts[1], version: version)
            default:
                record = nil
            }
            guard let record else { throw HeraldError.notInRepository(name, of: product) }
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: record.body)))
        }
        router.get("/tuf/{product}/targets/{channel}/{file}") { request, context in
            let snapshot = try await app(context.parameters.product())
            let product = snapshot.product.id
            let name = context.parameters.get("file") ?? ""
            guard let dot = name.firstIndex(of: "."), let hash = try? BuildHash(validating: String(name[..<dot])),
                try await repositories.targetBlobs(snapshot).contains(hash)
            else {
                throw HeraldError.notInRepository("targets/\(context.parameters.get("channel") ?? "")/\(name)", of: product)
            }
            guard let size = try await blobs.size(of: hash) else {
                throw HeraldError.notInRepository(name, of: product)
            }
            return try await StoredFileResponse(
                blob: hash, size: size, fileName: try FileName(validating: "\(hash.rawValue.prefix(16)).bin"), md5: nil, blobs: blobs,
                missing: HeraldError.notInRepository(name, of: product), signature: nil
            ).response(to: request, context: context, immutable: true, private: false)
        }
    }

    private func latestRoot(of product: ProductID) async throws -> TUFRecord? {
        try await store.latestTUFRecords(of: product)["root"]
    }

    /// The product's snapshot; it must be a public app.
    private func app(_ id: ProductID) async throws -> CatalogSnapshot {
        try await AppReleases.publicApp(id, in: repositories.snapshots)
    }
}
