import HeraldCore
import SQLKit

extension Store {
    /// Starts offering `build` to `basisPoints` of the channel's sites (see ``Rollout``).
    ///
    /// A channel runs one rollout at a time: starting one for the build already rolling out
    /// raises it; a different build replaces a paused rollout and is refused while one runs.
    @discardableResult
    public func startRollout(
        of channel: ChannelID, of product: ProductID, build: BuildHash, basisPoints: Int, halting: RolloutGuard? = nil, actor: String
    ) async throws -> Rollout {
        try await withTransaction { database in
            guard let current = try await lockChannel(channel, of: product, in: database) else {
                throw HeraldError.unknownChannel(channel, of: product)
            }
            try current.ensureServesOwnBuild(for: "stage a rollout on")
            guard
                let row = try await database.select().column("product_id").from("builds").where("hash", .equal, build.rawValue).first(),
                try row.decode(column: "product_id", as: String.self) == product.rawValue
            else { throw HeraldError.unknownBuild(build.rawValue) }
            try await ensureNotYanked(build, in: database)
            guard current.ownServedBuild != build else {
                throw HeraldError.invalidInput("channel '\(channel)' already serves \(build.rawValue.prefix(12)) to every site")
            }
            let now = currentTimeMillis()
            if let running = try await rollout(of: channel, of: product, in: database) {
                if running.build == build {
                    var guarded = running
                    if let halting { guarded.halting = halting }
                    return try await raise(guarded, to: basisPoints, in: database)
                }
                guard running.paused else { throw HeraldError.rolloutInProgress(channel, build: String(running.build.rawValue.prefix(12))) }
                try await database.delete(from: "rollouts").where("product_id", .equal, product.rawValue)
                    .where("channel_id", .equal, channel.rawValue).run()
                try await recordRolloutEvent(running, event: "replaced", detail: "by a rollout of \(build.rawValue.prefix(12)) (\(actor))", at: now, in: database)
            }
            let rollout = Rollout(
                product: product, channel: channel, build: build, basisPoints: basisPoints, startedAt: now, updatedAt: now, halting: halting)
            try await database.insert(into: "rollouts")
                .columns(
                    "product_id", "channel_id", "build", "basis_points", "paused", "started_at", "updated_at", "guard_minimum_reports",
                    "guard_margin"
                )
                .values(
                    SQLBind(product.rawValue), SQLBind(channel.rawValue), SQLBind(build.rawValue), SQLBind(Int64(basisPoints)),
                    SQLBind(false), SQLBind(now), SQLBind(now), SQLBind(halting.map { Int64($0.minimumReports) }),
                    SQLBind(halting.map { Int64($0.margin) }))
                .run()
            try await recordRolloutEvent(
                rollout, event: "started",
                detail: "at \(rollout.percentage)%" + (halting.map { " with a guard: halt after \($0.minimumReports) reports failing more than the previous build by \(Double($0.margin) / 100) points" } ?? ""),
                at: now, in: database)
            return rollout
        }
    }

    /// Raises the share of the channel's rollout, and resumes it if paused; refuses a lower share.
    @discardableResult
    public func raiseRollout(of channel: ChannelID, of product: ProductID, to basisPoints: Int) async throws -> Rollout {
        try await withTransaction { database in
            guard let running = try await lockedRollout(of: channel, of: product, in: database) else { throw HeraldError.noRollout(channel) }
            return try await raise(running, to: basisPoints, in: database)
        }
    }

    /// Pauses (offers the build to no further site) or resumes the channel's rollout.
    @discardableResult
    public func pauseRollout(of channel: ChannelID, of product: ProductID, paused: Bool) async throws -> Rollout {
        try await withTransaction { database in
            guard var running = try await lockedRollout(of: channel, of: product, in: database) else { throw HeraldError.noRollout(channel) }
            running.paused = paused
            // Resumed by hand: the vendor has weighed the guard's reason; it counts afresh.
            if !paused {
                running.haltReason = nil
                running.guardSince = currentTimeMillis()
            }
            running.updatedAt = currentTimeMillis()
            try await save(running, in: database)
            try await recordRolloutEvent(running, event: paused ? "paused" : "resumed", detail: nil, at: running.updatedAt, in: database)
            return running
        }
    }

    /// Completes the rollout: the channel serves its build to every site, recorded as a move.
    public func completeRollout(of channel: ChannelID, of product: ProductID, actor: String) async throws {
        try await withTransaction { database in
            guard let current = try await lockChannel(channel, of: product, in: database) else {
                throw HeraldError.unknownChannel(channel, of: product)
            }
            guard let running = try await rollout(of: channel, of: product, in: database) else { throw HeraldError.noRollout(channel) }
            let pointer: ChannelMove.Pointer = current.activeBuild == nil ? .latest : .active
            try await movePointer(
                pointer, of: current, from: current.ownServedBuild, to: running.build, reason: .rollout, actor: actor, at: currentTimeMillis(),
                in: database)
            try await database.delete(from: "rollouts").where("product_id", .equal, product.rawValue)
                .where("channel_id", .equal, channel.rawValue).run()
            try await recordRolloutEvent(running, event: "completed", detail: nil, at: currentTimeMillis(), in: database)
        }
    }

    /// The channel's running rollout, or nil.
    public func rollout(of channel: ChannelID, of product: ProductID) async throws -> Rollout? {
        try await withDatabase { database in try await rollout(of: channel, of: product, in: database) }
    }

    private func raise(_ running: Rollout, to basisPoints: Int, in database: any SQLDatabase) async throws -> Rollout {
        guard basisPoints >= running.basisPoints else {
            throw HeraldError.rolloutLowered(from: running.percentage, to: Rollout(
                product: running.product, channel: running.channel, build: running.build, basisPoints: basisPoints, startedAt: 0, updatedAt: 0
            ).percentage)
        }
        var raised = running
        raised.basisPoints = basisPoints
        raised.paused = false
        if running.paused {
            raised.haltReason = nil
            raised.guardSince = currentTimeMillis()
        }
        raised.updatedAt = currentTimeMillis()
        try await save(raised, in: database)
        try await recordRolloutEvent(raised, event: "raised", detail: "to \(raised.percentage)%", at: raised.updatedAt, in: database)
        return raised
    }

    func save(_ rollout: Rollout, in database: any SQLDatabase) async throws {
        try await database.update("rollouts")
            .set("basis_points", to: SQLBind(Int64(rollout.basisPoints))).set("paused", to: SQLBind(rollout.paused))
            .set("updated_at", to: SQLBind(rollout.updatedAt)).set("halt_reason", to: SQLBind(rollout.haltReason))
            .set("guard_since", to: SQLBind(rollout.guardSince))
            .set("guard_minimum_reports", to: SQLBind(rollout.halting.map { Int64($0.minimumReports) }))
            .set("guard_margin", to: SQLBind(rollout.halting.map { Int64($0.margin) }))
            .where("product_id", .equal, rollout.product.rawValue).where("channel_id", .equal, rollout.channel.rawValue)
            .run()
    }

    private func lockedRollout(of channel: ChannelID, of product: ProductID, in database: any SQLDatabase) async throws -> Rollout? {
        guard try await lockChannel(channel, of: product, in: database) != nil else { throw HeraldError.unknownChannel(channel, of: product) }
        return try await rollout(of: channel, of: product, in: database)
    }

    private func rollout(of channel: ChannelID, of product: ProductID, in database: any SQLDatabase) async throws -> Rollout? {
        try await database.select().column("*").from("rollouts").where("product_id", .equal, product.rawValue)
            .where("channel_id", .equal, channel.rawValue).first().map { try Rollout(row: $0, of: product) }
    }

    /// Every product's running rollouts, paused or not.
    public func runningRollouts() async throws -> [Rollout] {
        let rows = try await withDatabase { database in
            try await database.select().column("*").from("rollouts").orderBy("product_id").orderBy("channel_id").all()
        }
        return try rows.map { try Rollout(row: $0, of: ProductID(validating: try $0.decode(column: "product_id", as: String.self))) }
    }

    /// The product's running rollouts, paused or not.
    func rollouts(of product: ProductID, in database: any SQLDatabase) async throws -> [Rollout] {
        try await database.select().column("*").from("rollouts").where("product_id", .equal, product.rawValue)
            .orderBy("channel_id").all().map { try Rollout(row: $0, of: product) }
    }
}

extension Rollout {
    init(row: any SQLRow, of product: ProductID) throws {
        self.init(
            product: product, channel: try ChannelID(validating: try row.decode(column: "channel_id", as: String.self)),
            build: try BuildHash(validating: try row.decode(column: "build", as: String.self)),
            basisPoints: Int(try row.decode(column: "basis_points", as: Int64.self)), paused: try row.decode(column: "paused", as: Bool.self),
            startedAt: try row.decode(column: "started_at", as: Int64.self), updatedAt: try row.decode(column: "updated_at", as: Int64.self),
            halting: try row.decode(column: "guard_minimum_reports", as: Int64?.self).map {
                try RolloutGuard(minimumReports: Int($0), margin: Int(try row.decode(column: "guard_margin", as: Int64?.self) ?? 0))
            },
            haltReason: try row.decode(column: "halt_reason", as: String?.self))
        guardSince = try row.decode(column: "guard_since", as: Int64?.self)
    }
}
