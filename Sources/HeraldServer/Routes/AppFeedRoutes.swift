import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird

/// The desktop updaters' feeds of every app product, all made from ``AppReleases``:
/// Sparkle's appcast, electron-updater's YAML files and Tauri's dynamic and static JSON.
struct AppFeedRoutes<Context: RequestContext> {
    let store: any Store
    let snapshots: CatalogSnapshots
    let signer: PackageSigner
    let publicURL: String?

    func register(on router: Router<Context>) {
        router.get("/sparkle/{product}/appcast.xml") { request, context in
            let releases = try await self.releases(of: context.parameters.product())
            let platform = try Platform(validating: RequestFields(query: request)["platform"] ?? "macos-universal")
            guard platform.system == .macos else { throw HeraldError.invalidInput("Sparkle serves macOS; platform '\(platform)' is not macOS") }
            let appcast = SparkleAppcast(releases: releases, platform: platform, urls: PublicURL(configured: publicURL, request: request))
            return Self.text(appcast.xml, type: "application/rss+xml; charset=utf-8")
        }
        router.get("/electron/{product}/{file}") { request, context in
            let product = try context.parameters.product()
            let name = context.parameters.get("file") ?? ""
            guard let feed = ElectronFeed(fileName: name) else { throw HeraldError.notInRepository(name, of: product) }
            let releases = try await self.releases(of: product)
            guard let yaml = try feed.yaml(releases, urls: PublicURL(configured: publicURL, request: request)) else {
                throw HeraldError.notInRepository(name, of: product)
            }
            return Self.text(yaml, type: "text/yaml; charset=utf-8")
        }
        // `name` is the channel for latest.json and Tauri's target otherwise: the router needs
        // one name per position.
        router.get("/tauri/{product}/{name}/latest.json") { request, context in
            let releases = try await self.releases(of: context.parameters.product())
            let release = try releases.release(named: context.parameters.get("name") ?? "")
            let feed = TauriFeed(signer: signer, urls: PublicURL(configured: publicURL, request: request))
            return try Self.json(try feed.latest(release))
        }
        router.get("/tauri/{product}/{name}/{arch}/{current_version}") { request, context in
            let releases = try await self.releases(of: context.parameters.product())
            let platform = try TauriFeed.platform(target: context.parameters.get("name") ?? "", architecture: context.parameters.get("arch") ?? "")
            let current = try Version(validating: context.parameters.get("current_version") ?? "", field: "current_version")
            let release = try releases.release(named: RequestFields(query: request)["channel"] ?? "stable")
            let feed = TauriFeed(signer: signer, urls: PublicURL(configured: publicURL, request: request))
            guard let update = try feed.update(release, platform: platform, current: current) else {
                return Response(status: .noContent, headers: [.cacheControl: "no-cache"])
            }
            return try Self.json(update)
        }
    }

    /// The product's releases; it must be a public app.
    private func releases(of id: ProductID) async throws -> AppReleases {
        try await AppReleases.current(try await AppReleases.publicApp(id, in: snapshots), snapshots: snapshots, store: store)
    }

    private static func text(_ body: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private static func json(_ value: Any) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
