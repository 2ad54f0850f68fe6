import Foundation
import HeraldCore
import HeraldStore
import Hummingbird

/// Seed 000's release management over HTTP: extension manifests, the product's settings, the
/// publish-all plan and its confirmation, and the product's history across channels.
struct ReleaseRoutes<Context: RequestContext> {
    let store: any Store
    let snapshots: CatalogSnapshots
    let publicURL: String?

    private var authorization: Authorization { Authorization(store: store) }

    func register(on router: Router<Context>) {
        router.get("/api/v1/{product}/extensions") { _, context in
            let product = try await existing(context.parameters.product())
            return try envelopeResponse(["extensions": try await store.extensions(of: product).map(ExtensionResource.init)])
        }
        router.put("/api/v1/{product}/extensions/{name}") { request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            let id = context.parameters.get("name") ?? ""
            try Product.validateName(id, field: "extension name")
            let body = try await request.body.collect(upTo: 64 * 1024)
            let manifest = try ExtensionManifestParser.parse(String(buffer: body), source: "extension \(quoted(id))", defaultName: id)
            try await store.putExtension(manifest, id: id, of: product)
            return try envelopeResponse(ExtensionResource(manifest: manifest))
        }
        router.get("/api/v1/{product}/settings") { _, context in
            let product = try await existing(context.parameters.product())
            return try await settingsResponse(product)
        }
        router.put("/api/v1/{product}/settings") { request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            let body = try await request.body.collect(upTo: RequestFields.bodyLimit)
            guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
                throw HeraldError.invalidInput(#"the body must be JSON, e.g. {"auto_deploy": true, "core_channels": ["stable", "beta", "development"]}"#)
            }
            if let value = object["auto_deploy"] {
                guard let on = value as? Bool else { throw HeraldError.invalidInput("auto_deploy must be true or false") }
                try await store.setAutoDeploy(on, of: product)
            }
            if let value = object["core_channels"] {
                guard let names = value as? [String] else { throw HeraldError.invalidInput("core_channels must be a list of channel ids") }
                var ids: Set<ChannelID> = []
                for name in names { ids.insert(try ChannelID(validating: name, field: "core_channels")) }
                try await store.setCoreChannels(ids, of: product)
            }
            return try await settingsResponse(product)
        }
        router.get("/api/v1/{product}/plan") { request, context in
            let product = try context.parameters.product()
            guard let snapshot = try await snapshots.snapshot(of: product) else { throw HeraldError.unknownProduct(product) }
            // Cheap to ask, expensive to make: made once per revision of the product.
            let (plan, version) = try await snapshots.derived("plan", of: snapshot) { try await store.releasePlan(of: product) }
            return try envelopeResponse(PlanResource(plan: plan, version: version, urls: PublicURL(configured: publicURL, request: request)))
        }
        router.post("/api/v1/{product}/publish") { request, context in
            var request = request
            let product = try context.parameters.product()
            let token = try await authorization.token(for: request, writing: product)
            let body = try await request.collectBody(upTo: RequestFields.bodyLimit)
            guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
                let version = object["plan_version"] as? String, let names = object["channels"] as? [String]
            else {
                throw HeraldError.invalidInput(#"the body must be JSON: {"plan_version": "...", "channels": ["stable", ...]}"#)
            }
            var channels: [ChannelID] = []
            for name in names { channels.append(try ChannelID(validating: name, field: "channels")) }
            let (plan, newVersion) = try await store.publishPlan(of: product, version: version, channels: channels, actor: token.name)
            return try envelopeResponse(PlanResource(plan: plan, version: newVersion, urls: PublicURL(configured: publicURL, request: request)))
        }
        router.get("/api/v1/{product}/history") { _, context in
            let product = try await existing(context.parameters.product())
            let ordered = try await store.productHistory(of: product)
            return try envelopeResponse(["history": ordered.map(ProductMoveResource.init)])
        }
    }

    private func settingsResponse(_ product: ProductID) async throws -> Response {
        let core = try await store.channels(of: product).filter(\.isCore).map(\.id.rawValue)
        return try envelopeResponse(Settings(autoDeploy: try await store.autoDeploy(of: product), coreChannels: core))
    }

    private func existing(_ product: ProductID) async throws -> ProductID {
        guard try await store.product(product) != nil else { throw HeraldError.unknownProduct(product) }
        return product
    }
}

private struct Settings: Encodable, Sendable {
    let autoDeploy: Bool
    let coreChannels: [String]

    enum CodingKeys: String, CodingKey { case autoDeploy = "auto_deploy", coreChannels = "core_channels" }
}

private struct ExtensionResource: Encodable, Sendable {
    let manifest: ExtensionManifest

    enum CodingKeys: String, CodingKey { case name, premium, beta, stable }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(manifest.name, forKey: .name)
        try container.encode(manifest.premium, forKey: .premium)
        try container.encode(manifest.beta?.text, forKey: .beta)
        try container.encode(manifest.stable?.text, forKey: .stable)
    }
}

/// The plan in the shape the issue gives: `{"plan_version", "channels": [{"channel", "current", "proposed", "warnings"}]}`.
private struct PlanResource: Encodable, Sendable {
    let plan: ReleasePlan
    let version: String
    let urls: PublicURL

    enum CodingKeys: String, CodingKey { case planVersion = "plan_version", channels }
    enum EntryKeys: String, CodingKey { case channel, current, proposed, warnings }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .planVersion)
        var channels = container.nestedUnkeyedContainer(forKey: .channels)
        for entry in plan.entries {
            var item = channels.nestedContainer(keyedBy: EntryKeys.self)
            try item.encode(entry.channel, forKey: .channel)
            try item.encode(entry.current.map { BuildResource(build: $0, urls: urls) }, forKey: .current)
            try item.encode(entry.proposed.map { BuildResource(build: $0, urls: urls) }, forKey: .proposed)
            try item.encode(entry.warnings, forKey: .warnings)
        }
    }
}

/// A move in the product's history, with its channel.
private struct ProductMoveResource: Encodable, Sendable {
    let move: ChannelMove

    enum CodingKeys: String, CodingKey { case channel, move }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(move.channel, forKey: .channel)
        try container.encode(MoveResource(move: move), forKey: .move)
    }
}
