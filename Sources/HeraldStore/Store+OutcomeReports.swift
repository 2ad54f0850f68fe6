import Crypto
import HeraldCore
import SQLKit

/// Something that happened to a staged rollout, for the channel's history: `started`, `halted`
/// (by its guard, with the figures), `completed`.
public struct RolloutEvent: Hashable, Sendable {
    public var build: BuildHash
    public var event: String
    public var detail: String?
    /// Milliseconds since 1970.
    public var at: Int64
}

extension Store {
    /// Records a site's report of an update (replacing its earlier report of the same version),
    /// then weighs every guarded rollout of the reported build: those whose guard halts them are
    /// paused, their reason kept, an event written to the channel's history; they are returned.
    ///
    /// `siteDigest` is the site's salted digest (``InstallSample/siteDigest(of:salt:)``): the
    /// address itself is not kept. The version must be one of the product's builds. A report is
    /// `verified` when it carried the token of the answer that offered the update; only those
    /// count for a guard, and an unverified one never replaces a verified one.
    @discardableResult
    public func recordOutcome(
        _ report: OutcomeReport, siteDigest: String, verified: Bool, at time: Int64 = currentTimeMillis()
    ) async throws -> [Rollout] {
        // Durable: a halt must outlive a crash once the answer has said so.
        try await withTransaction { database in
            // The build the site was given when it says so (a version uploaded twice is two
            // builds), else the newest upload of the version.
            var query = database.select().column("hash").from("builds")
                .where("product_id", .equal, report.product.rawValue).where("version", .equal, report.toVersion.rawValue)
            if let given = report.build { query = query.where("hash", .equal, given.rawValue) }
            guard
                let build = try await query.orderBy("is_latest", .descending).orderBy("uploaded_at", .descending).first()
                    .map({ try BuildHash(validating: try $0.decode(column: "hash", as: String.self)) })
            else {
                if let given = report.build { throw HeraldError.invalidInput("build_hash \(given) is not a build of version \(report.toVersion)") }
                guard try await database.select().column("id").from("products").where("id", .equal, report.product.rawValue).first() != nil
                else { throw HeraldError.unknownProduct(report.product) }
                throw HeraldError.unknownVersion(report.toVersion, of: report.product)
            }
            if !verified,
                try await database.select().column("verified").from("outcome_reports").where("product_id", .equal, report.product.rawValue)
                    .where("site_sha256", .equal, siteDigest).where("to_version", .equal, report.toVersion.rawValue).first()?
                    .decode(column: "verified", as: Bool.self) == true
            {
                return []
            }
            try await database.insert(into: "outcome_reports")
                .columns(
                    "product_id", "site_sha256", "to_version", "build_hash", "from_version", "outcome", "error_code", "error_message",
                    "wordpress_version", "php_version", "reported_at", "verified"
                )
                .values(
                    SQLBind(report.product.rawValue), SQLBind(siteDigest), SQLBind(report.toVersion.rawValue), SQLBind(build.rawValue),
                    SQLBind(report.fromVersion?.rawValue), SQLBind(report.outcome.rawValue), SQLBind(report.errorCode),
                    SQLBind(report.errorMessage), SQLBind(report.wordpressVersion), SQLBind(report.phpVersion), SQLBind(time), SQLBind(verified)
                )
                .onConflict(with: ["product_id", "site_sha256", "to_version"]) { update in
                    var update = update
                    for column in [
                        "build_hash", "from_version", "outcome", "error_code", "error_message", "wordpress_version", "php_version", "reported_at",
                        "verified",
                    ] {
                        update = update.set(excludedValueOf: column)
                    }
                    return update
                }
                .run()
            var halted: [Rollout] = []
            let guarded = try await database.select().column("*").from("rollouts").where("product_id", .equal, report.product.rawValue)
                .where("build", .equal, build.rawValue).all().map { try Rollout(row: $0, of: report.product) }
            // Weighed without a lock (most reports halt nothing, and a lock raises the product's
            // revision), then again under it: two reports at once halt it once.
            for rollout in guarded where !rollout.paused && rollout.halting != nil {
                guard try await halts(rollout, in: database) != nil,
                    try await lockChannel(rollout.channel, of: report.product, in: database) != nil,
                    let current = try await database.select().column("*").from("rollouts")
                        .where("product_id", .equal, report.product.rawValue).where("channel_id", .equal, rollout.channel.rawValue).first()
                        .map({ try Rollout(row: $0, of: report.product) }),
                    current.build == build, !current.paused, let reason = try await halts(current, in: database)
                else { continue }
                var stopped = current
                stopped.paused = true
                stopped.haltReason = reason
                stopped.updatedAt = time
                try await save(stopped, in: database)
                try await recordRolloutEvent(stopped, event: "halted", detail: reason, at: time, in: database)
                halted.append(stopped)
            }
            return halted
        }
    }

    /// Why `rollout`'s guard halts it now, or nil (also without a guard): its build's reports
    /// since the guard counts against those of the build its channel serves everyone else.
    ///
    /// Only verified reports count (``recordOutcome(_:siteDigest:verified:at:)``), and, when the
    /// install statistics know sites from before the rollout's day, only reports of those sites:
    /// anyone can make up a site and ask for its answer's token, but not its days of checks.
    private func halts(_ rollout: Rollout, in database: any SQLDatabase) async throws -> String? {
        guard let halting = rollout.halting else { return nil }
        let startDay = rollout.startedAt / 86_400_000
        let established =
            try await database.select().column("site_sha256").from("install_stats").where("product_id", .equal, rollout.product.rawValue)
            .where("day", .lessThan, startDay).limit(1).first() != nil ? startDay : nil
        let new = try await tally(
            of: rollout.build, of: rollout.product, since: rollout.guardSince ?? rollout.startedAt, sitesSeenBefore: established, in: database)
        guard new.reports >= halting.minimumReports else { return nil }
        let previousBuild = try await database.select().column("*").from("channels").where("product_id", .equal, rollout.product.rawValue)
            .where("id", .equal, rollout.channel.rawValue).first().map(Channel.init(row:))?.ownServedBuild
        var previous = RolloutGuard.Tally(reports: 0, failures: 0)
        if let previousBuild {
            previous = try await tally(of: previousBuild, of: rollout.product, since: 0, sitesSeenBefore: established, in: database)
        }
        return halting.halt(new: new, previous: previous)
    }

    /// How many verified reports of `build` since `since`, and how many failures; with
    /// `sitesSeenBefore`, of sites the install statistics saw before that day only.
    private func tally(
        of build: BuildHash, of product: ProductID, since: Int64, sitesSeenBefore day: Int64?, in database: any SQLDatabase
    ) async throws -> RolloutGuard.Tally {
        var query = database.select().column("outcome").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "reports")
            .from("outcome_reports").where("product_id", .equal, product.rawValue).where("build_hash", .equal, build.rawValue)
            .where("reported_at", .greaterThanOrEqual, since).where("verified", .equal, SQLLiteral.boolean(true))
        if let day {
            query = query.where(
                "site_sha256", .in,
                SQLGroupExpression(
                    database.select().column("site_sha256").from("install_stats").where("product_id", .equal, product.rawValue)
                        .where("day", .lessThan, day).select))
        }
        let rows = try await query.groupBy("outcome").all()
        var tally = RolloutGuard.Tally(reports: 0, failures: 0)
        for row in rows {
            let count = Int(try row.decode(column: "reports", as: Int64.self))
            tally.reports += count
            if OutcomeReport.Outcome(rawValue: try row.decode(column: "outcome", as: String.self))?.isFailure ?? true { tally.failures += count }
        }
        return tally
    }

    func recordRolloutEvent(_ rollout: Rollout, event: String, detail: String?, at time: Int64, in database: any SQLDatabase) async throws {
        try await database.insert(into: "rollout_events").columns("product_id", "channel_id", "build", "event", "detail", "happened_at")
            .values(
                SQLBind(rollout.product.rawValue), SQLBind(rollout.channel.rawValue), SQLBind(rollout.build.rawValue), SQLBind(event),
                SQLBind(detail), SQLBind(time)
            )
            .run()
        let told: [String: Webhook.Event] = [
            "started": .rolloutStarted, "raised": .rolloutRaised, "halted": .rolloutHalted, "completed": .rolloutCompleted,
            "ended": .rolloutEnded, "replaced": .rolloutEnded, "yanked": .rolloutEnded, "removed": .rolloutEnded,
        ]
        if let webhookEvent = told[event] {
            try await enqueueWebhookEvent(
                webhookEvent, of: rollout.product,
                data: [
                    "channel": .string(rollout.channel.rawValue), "build": .string(rollout.build.rawValue),
                    "percentage": .string(rollout.percentage), "detail": .string(detail),
                ], at: time, in: database)
        }
    }

    /// The product's reports counted per version, build and outcome, grouped by version and build.
    public func outcomeCounts(of product: ProductID) async throws -> [(version: String, build: BuildHash, outcome: String, reports: Int)] {
        try await withDatabase { database in
            try await database.select().column("to_version").column("build_hash").column("outcome")
                .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "reports").from("outcome_reports")
                .where("product_id", .equal, product.rawValue).groupBy("to_version").groupBy("build_hash").groupBy("outcome")
                .orderBy("to_version").orderBy("build_hash").orderBy("outcome").all()
                .map {
                    (
                        try $0.decode(column: "to_version", as: String.self),
                        try BuildHash(validating: try $0.decode(column: "build_hash", as: String.self)),
                        try $0.decode(column: "outcome", as: String.self), Int(try $0.decode(column: "reports", as: Int64.self))
                    )
                }
        }
    }

    /// What happened to the channel's staged rollouts, oldest first.
    public func rolloutEvents(of channel: ChannelID, of product: ProductID) async throws -> [RolloutEvent] {
        try await withDatabase { database in
            try await database.select().column("*").from("rollout_events").where("product_id", .equal, product.rawValue)
                .where("channel_id", .equal, channel.rawValue).orderBy("happened_at").all()
                .map {
                    RolloutEvent(
                        build: try BuildHash(validating: try $0.decode(column: "build", as: String.self)),
                        event: try $0.decode(column: "event", as: String.self), detail: try $0.decode(column: "detail", as: String?.self),
                        at: try $0.decode(column: "happened_at", as: Int64.self))
                }
        }
    }
}
