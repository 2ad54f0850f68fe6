import Crypto
import Foundation
import HeraldCore
import SQLKit

/// What one site told an update check: kept per product, site and day, and only as a salted
/// hash of the site's address.
public struct InstallSample: Hashable, Sendable {
    public var product: ProductID
    /// Days since 1970, in UTC, of the check.
    public var day: Int64
    /// SHA-256 of the server's salt and the site's normalised address.
    public var siteDigest: String
    public var channel: ChannelID
    public var version: String?
    public var wordpressVersion: String?
    public var phpVersion: String?

    public init(
        product: ProductID, day: Int64, siteDigest: String, channel: ChannelID, version: String?, wordpressVersion: String?, phpVersion: String?
    ) {
        self.product = product
        self.day = day
        self.siteDigest = siteDigest
        self.channel = channel
        self.version = version
        self.wordpressVersion = wordpressVersion
        self.phpVersion = phpVersion
    }

    /// The digest of a site's address under `salt`; ``siteDigest`` is its hex form.
    public static func siteDigest(of site: String, salt: String) -> SHA256.Digest {
        var hasher = SHA256()
        func add(_ text: String) {
            var text = text
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        add(salt)
        add("\n")
        add(site)
        return hasher.finalize()
    }
}

/// A product on a day (days since 1970, in UTC): what checks are counted by.
public struct ProductDay: Hashable, Sendable {
    public var product: ProductID
    public var day: Int64

    public init(product: ProductID, day: Int64) {
        self.product = product
        self.day = day
    }
}

/// Active sites over a window of days: each site counted once, as its latest check reported it.
public struct InstallStatistics: Sendable, Equatable {
    public var product: ProductID
    /// Days since 1970, first and last of the window.
    public var firstDay: Int64
    public var lastDay: Int64
    public var activeSites: Int
    public var checks: Int64
    public var versions: [String: Int]
    public var channels: [String: Int]
    public var wordpressVersions: [String: Int]
    public var phpVersions: [String: Int]
}

extension Store {
    /// Writes a batch: each site's latest report (one row per product, site and day) and how
    /// many checks each product answered each day. What belongs to a product deleted meanwhile
    /// is left out. Rows are written in key order, so two instances writing at once wait for
    /// each other rather than deadlock.
    public func recordInstallSamples(_ samples: [InstallSample], checks: [ProductDay: Int64]) async throws {
        guard !samples.isEmpty || !checks.isEmpty else { return }
        try await withTransaction(durability: .relaxed) { database in
            let named = Set(samples.map(\.product)).union(checks.keys.map(\.product)).map(\.rawValue)
            let existing = Set(
                try await database.select().column("id").from("products").where("id", .in, named).all()
                    .map { try $0.decode(column: "id", as: String.self) })
            let kept = samples.filter { existing.contains($0.product.rawValue) }
                .sorted { ($0.product.rawValue, $0.day, $0.siteDigest) < ($1.product.rawValue, $1.day, $1.siteDigest) }
            var start = 0
            while start < kept.count {
                let chunk = kept[start..<min(start + 100, kept.count)]
                start += chunk.count
                var insert = database.insert(into: "install_stats")
                    .columns("product_id", "day", "site_sha256", "channel_id", "version", "wordpress_version", "php_version")
                for sample in chunk {
                    insert = insert.values(
                        SQLBind(sample.product.rawValue), SQLBind(sample.day), SQLBind(sample.siteDigest), SQLBind(sample.channel.rawValue),
                        SQLBind(sample.version), SQLBind(sample.wordpressVersion), SQLBind(sample.phpVersion))
                }
                try await insert.onConflict(with: ["product_id", "day", "site_sha256"]) { update in
                    update.set(excludedValueOf: "channel_id").set(excludedValueOf: "version")
                        .set(excludedValueOf: "wordpress_version").set(excludedValueOf: "php_version")
                }.run()
            }
            let counted = checks.filter { existing.contains($0.key.product.rawValue) }
                .sorted { ($0.key.product.rawValue, $0.key.day) < ($1.key.product.rawValue, $1.key.day) }
            guard !counted.isEmpty else { return }
            var insert = database.insert(into: "install_checks").columns("product_id", "day", "checks")
            for (key, count) in counted {
                insert = insert.values(SQLBind(key.product.rawValue), SQLBind(key.day), SQLBind(count))
            }
            try await insert.onConflict(with: ["product_id", "day"]) { update in
                update.set("checks", to: SQLBinaryExpression(SQLColumn("checks", table: "install_checks"), .add, SQLExcludedColumn("checks")))
            }.run()
        }
    }

    /// Drops the rows of days before `day`, which keeps the table bounded.
    public func pruneInstallStats(before day: Int64) async throws {
        try await withDatabase { database in
            try await database.delete(from: "install_stats").where("day", .lessThan, day).run()
            try await database.delete(from: "install_checks").where("day", .lessThan, day).run()
            // Outcome reports are kept as long as the statistics, but for the builds channels serve
            // or rollouts stage: a guard weighs a rollout against its channel's build's reports.
            try await database.delete(from: "outcome_reports").where("reported_at", .lessThan, day * 86_400_000)
                .where("build_hash", .notIn, SQLGroupExpression(database.select().column("latest_build").from("channels").where("latest_build", .isNot, SQLLiteral.null).select))
                .where("build_hash", .notIn, SQLGroupExpression(database.select().column("active_build").from("channels").where("active_build", .isNot, SQLLiteral.null).select))
                .where("build_hash", .notIn, SQLGroupExpression(database.select().column("build").from("rollouts").select))
                .run()
        }
    }

    /// The product's active sites from `firstDay` to `lastDay`, by version, channel, WordPress and PHP version.
    public func installStatistics(of product: ProductID, from firstDay: Int64, to lastDay: Int64) async throws -> InstallStatistics {
        let (rows, checks) = try await withDatabase { database in
            let rows = try await database.raw(
                """
                SELECT s.channel_id, s.version, s.wordpress_version, s.php_version FROM install_stats s
                JOIN (SELECT site_sha256, MAX(day) AS last_day FROM install_stats
                      WHERE product_id = \(bind: product.rawValue) AND day >= \(bind: firstDay) AND day <= \(bind: lastDay)
                      GROUP BY site_sha256) latest
                ON s.site_sha256 = latest.site_sha256 AND s.day = latest.last_day
                WHERE s.product_id = \(bind: product.rawValue)
                """
            ).all()
            let checks = try await database.raw(
                """
                SELECT CAST(SUM(checks) AS BIGINT) AS checks FROM install_checks
                WHERE product_id = \(bind: product.rawValue) AND day >= \(bind: firstDay) AND day <= \(bind: lastDay)
                """
            ).first()?.decode(column: "checks", as: Int64?.self) ?? 0
            return (rows, checks)
        }
        var statistics = InstallStatistics(
            product: product, firstDay: firstDay, lastDay: lastDay, activeSites: rows.count, checks: checks, versions: [:], channels: [:],
            wordpressVersions: [:], phpVersions: [:])
        for row in rows {
            statistics.channels[try row.decode(column: "channel_id", as: String.self), default: 0] += 1
            statistics.versions[try row.decode(column: "version", as: String?.self) ?? "unknown", default: 0] += 1
            statistics.wordpressVersions[try row.decode(column: "wordpress_version", as: String?.self) ?? "unknown", default: 0] += 1
            statistics.phpVersions[try row.decode(column: "php_version", as: String?.self) ?? "unknown", default: 0] += 1
        }
        return statistics
    }
}

extension Store {
    /// How the product's releases spread from `firstDay` to `lastDay` (``Adoption``).
    public func adoption(of product: ProductID, from firstDay: Int64, to lastDay: Int64) async throws -> Adoption {
        try await withDatabase { database in
            var counts: [(day: Int64, version: String?, sites: Int)] = []
            for row in try await database.select().column("day").column("version").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "sites")
                .from("install_stats").where("product_id", .equal, product.rawValue).where("day", .greaterThanOrEqual, firstDay)
                .where("day", .lessThanOrEqual, lastDay).groupBy("day").groupBy("version").all()
            {
                counts.append(
                    (try row.decode(column: "day", as: Int64.self), try row.decode(column: "version", as: String?.self), try row.decode(column: "sites", as: Int.self)))
            }
            // A release is a version stable has served (not a beta's, not a yanked build's), from
            // the day it first did.
            var released: [String: Int64] = [:]
            for row in try await database.select().column(SQLColumn("version", table: "builds"))
                .column(SQLFunction("MIN", args: SQLColumn("moved_at", table: "channel_moves")), as: "first")
                .from("channel_moves").join("builds", on: SQLColumn("to_build", table: "channel_moves"), .equal, SQLColumn("hash", table: "builds"))
                .where(SQLColumn("product_id", table: "channel_moves"), .equal, SQLBind(product.rawValue))
                .where(SQLColumn("channel_id", table: "channel_moves"), .equal, SQLBind(ChannelID.stable.rawValue))
                .where(SQLColumn("yanked_at", table: "builds"), .is, SQLLiteral.null)
                .groupBy(SQLColumn("version", table: "builds")).all()
            {
                released[try row.decode(column: "version", as: String.self)] = try row.decode(column: "first", as: Int64.self) / 86_400_000
            }
            var outcomes: [(version: String, wordpress: String?, php: String?, outcome: String, reports: Int)] = []
            for row in try await database.select().column("to_version").column("wordpress_version").column("php_version").column("outcome")
                .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "reports").from("outcome_reports").where("product_id", .equal, product.rawValue)
                .where("reported_at", .greaterThanOrEqual, firstDay * 86_400_000)
                .groupBy("to_version").groupBy("wordpress_version").groupBy("php_version").groupBy("outcome").all()
            {
                outcomes.append(
                    (
                        try row.decode(column: "to_version", as: String.self), try row.decode(column: "wordpress_version", as: String?.self),
                        try row.decode(column: "php_version", as: String?.self), try row.decode(column: "outcome", as: String.self),
                        try row.decode(column: "reports", as: Int.self)
                    ))
            }
            return Adoption.make(from: firstDay, counts: counts, released: released, outcomes: outcomes)
        }
    }
}
