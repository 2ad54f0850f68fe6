import HeraldCore
import SQLKit

extension Store {
    /// The product's release plan as things are now, and its version.
    public func releasePlan(of product: ProductID) async throws -> (plan: ReleasePlan, version: String) {
        try await withDatabase { try await releasePlan(of: product, in: $0) }
    }

    /// Applies the plan's proposed moves for `channels`, in one transaction, if the plan is
    /// still `version`; each move is recorded as a promotion confirmed by `actor`. Returns
    /// the plan as it is afterwards. A stale version is refused (`plan_changed`).
    public func publishPlan(
        of product: ProductID, version: String, channels names: [ChannelID], actor: String
    ) async throws -> (plan: ReleasePlan, version: String) {
        try await withTransaction { database in
            guard try await lockProduct(product, in: database) else { throw HeraldError.unknownProduct(product) }
            let (plan, current) = try await releasePlan(of: product, in: database)
            guard current == version else { throw HeraldError.planChanged(read: version, now: current) }
            let channels = try await lockChannels(of: product, in: database)
            let now = currentTimeMillis()
            // A channel named twice moves once.
            var moved: Set<ChannelID> = []
            for name in names where moved.insert(name).inserted {
                guard let channel = channels.first(where: { $0.id == name }), let entry = plan.entries.first(where: { $0.channel == name })
                else {
                    throw HeraldError.unknownChannel(name, of: product)
                }
                guard let proposed = entry.proposed, channel.aliasFor == nil, !channel.isPinned else { continue }
                try await movePointer(
                    .latest, of: channel, from: channel.latestBuild, to: proposed.hash, reason: .promotion, actor: actor, at: now,
                    in: database)
            }
            return try await releasePlan(of: product, in: database)
        }
    }

    private func releasePlan(of product: ProductID, in database: any SQLDatabase) async throws -> (plan: ReleasePlan, version: String) {
        var channels: [Channel] = []
        for row in try await database.select().column("*").from("channels").where("product_id", .equal, product.rawValue).orderBy("id").all() {
            channels.append(try Channel(row: row))
        }
        var builds: [Build] = []
        // A yanked build is no candidate: no channel may serve it again.
        for row in try await database.select().column("*").from("builds").where("product_id", .equal, product.rawValue)
            .where("yanked_at", .is, SQLLiteral.null).all()
        {
            builds.append(try Build(row: row))
        }
        let byHash = Dictionary(builds.map { ($0.hash, $0) }) { first, _ in first }
        let resolution = ChannelResolution(channels: channels)
        var serving: [(channel: Channel, serving: Build?)] = []
        for channel in channels {
            let hash = try resolution.resolveServedBuild(for: channel.id, of: product)
            serving.append((channel, hash.flatMap { byHash[$0] }))
        }
        let extensions = try await extensions(of: product, in: database).map(\.manifest)
        let autoDeploy =
            try await database.select().column("auto_deploy").from("products").where("id", .equal, product.rawValue)
            .first()?.decode(column: "auto_deploy", as: Bool.self) ?? false
        // The plan proposes the newest upload of each version; every upload counts for the
        // check that one version was uploaded with different bytes.
        let plan = ReleasePlan.make(channels: serving, builds: builds, extensions: extensions, autoDeploy: autoDeploy)
        return (plan, plan.version(extensions: extensions, autoDeploy: autoDeploy))
    }
}

extension Store {
    /// Seed 000's rules applied to a new build, inside its publish transaction, for a product
    /// that has extension manifests (one that uses this workflow): development follows it, beta
    /// takes it when every extension's beta tag matches, stable takes it only with auto-deploy.
    /// Each move is recorded as a promotion by `actor`; stable without auto-deploy waits in the plan.
    func promoteAfterUpload(_ build: Build, uploadedTo channel: ChannelID, actor: String, in database: any SQLDatabase) async throws {
        let extensions = try await extensions(of: build.product, in: database).map(\.manifest)
        guard !extensions.isEmpty else { return }
        let autoDeploy =
            try await database.select().column("auto_deploy").from("products").where("id", .equal, build.product.rawValue)
            .first()?.decode(column: "auto_deploy", as: Bool.self) ?? false
        for candidate in try await lockChannels(of: build.product, in: database) where candidate.id != channel {
            var currentVersion: Version?
            if let latest = candidate.latestBuild,
                let row = try await database.select().column("version").from("builds").where("hash", .equal, latest.rawValue).first()
            {
                currentVersion = try Version(validating: try row.decode(column: "version", as: String.self))
            }
            let proposal = PromotionRules.propose(
                build, to: candidate, rule: PromotionRules.rule(for: candidate), currentVersion: currentVersion, extensions: extensions,
                autoDeploy: autoDeploy)
            guard proposal == .move else { continue }
            try await movePointer(
                .latest, of: candidate, from: candidate.latestBuild, to: build.hash, reason: .promotion, actor: actor, at: build.timestamp,
                in: database)
        }
    }
}
