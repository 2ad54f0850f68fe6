import HeraldFormats

/// How a product's releases spread over its active sites, from the install statistics (one row
/// per site and day it checked) and the outcome reports: per release, its sites each day and
/// their share of that day's active sites, how many days it took to reach half and nine tenths
/// of them, the versions sites stay on, and which WordPress and PHP versions its updates failed on.
public struct Adoption: Sendable {
    public struct Day: Sendable, Equatable {
        /// Days since 1970, UTC.
        public var day: Int64
        public var sites: Int
        /// Of the day's active sites, 0 to 1.
        public var share: Double
    }

    public struct Release: Sendable {
        public var version: String
        /// The day its first build was uploaded.
        public var releasedDay: Int64
        public var days: [Day]
        /// Days from the release until its share first reached one half, nine tenths; nil while it
        /// has not, or when it was released before the days looked at.
        public var daysTo50: Int?
        public var daysTo90: Int?
    }

    public struct Failures: Sendable, Equatable {
        public var version: String
        public var wordpressVersion: String?
        public var phpVersion: String?
        public var installed: Int
        public var failed: Int
    }

    /// Active sites each day with any.
    public var activeSites: [Int64: Int]
    /// Newest release first.
    public var releases: [Release]
    /// On the last day with data, the sites on each version older than the newest release, most
    /// first; versions that are no release of the product are counted as `other`.
    public var leftBehind: [(version: String, sites: Int)]
    public var failures: [Failures]

    /// - Parameters:
    ///   - firstDay: the first day looked at.
    ///   - counts: sites per day and version (nil: the site sent none).
    ///   - released: each release's day: when stable first served it.
    ///   - outcomes: reports per version, WordPress and PHP version, and outcome.
    public static func make(
        from firstDay: Int64, counts: [(day: Int64, version: String?, sites: Int)], released: [String: Int64],
        outcomes: [(version: String, wordpress: String?, php: String?, outcome: String, reports: Int)]
    ) -> Adoption {
        var active: [Int64: Int] = [:]
        var byVersion: [String: [Int64: Int]] = [:]
        for row in counts {
            active[row.day, default: 0] += row.sites
            if let version = row.version { byVersion[version, default: [:]][row.day, default: 0] += row.sites }
        }
        let days = active.keys.sorted()
        var releases: [Release] = []
        for (version, releasedDay) in released {
            let seen = byVersion[version] ?? [:]
            let daily = days.filter { $0 >= releasedDay }.map { day in
                Day(day: day, sites: seen[day] ?? 0, share: Double(seen[day] ?? 0) / Double(max(active[day] ?? 0, 1)))
            }
            guard releasedDay >= firstDay || !seen.isEmpty, !daily.isEmpty else { continue }
            let reach = { (share: Double) in
                releasedDay < firstDay ? nil : daily.first { $0.share >= share }.map { Int($0.day - releasedDay) }
            }
            releases.append(Release(version: version, releasedDay: releasedDay, days: daily, daysTo50: reach(0.5), daysTo90: reach(0.9)))
        }
        releases.sort { VersionOrder.compare($0.version, $1.version) > 0 }
        var leftBehind: [(version: String, sites: Int)] = []
        if let last = days.last, let newest = released.keys.max(by: { VersionOrder.compare($0, $1) < 0 }) {
            var behind: [String: Int] = [:]
            for (version, perDay) in byVersion {
                guard let sites = perDay[last], VersionOrder.compare(version, newest) < 0 else { continue }
                behind[released[version] == nil ? "other" : version, default: 0] += sites
            }
            leftBehind = behind.map { (version: $0.key, sites: $0.value) }.sorted { $0.sites != $1.sites ? $0.sites > $1.sites : $0.version < $1.version }
        }
        var failures: [String: Failures] = [:]
        for row in outcomes {
            let key = "\(row.version)\n\(row.wordpress ?? "")\n\(row.php ?? "")"
            var entry = failures[key] ?? Failures(version: row.version, wordpressVersion: row.wordpress, phpVersion: row.php, installed: 0, failed: 0)
            if row.outcome == OutcomeReport.Outcome.installed.rawValue { entry.installed += row.reports } else { entry.failed += row.reports }
            failures[key] = entry
        }
        let sortedFailures = failures.values.filter { $0.failed > 0 }.sorted {
            $0.version != $1.version ? VersionOrder.compare($0.version, $1.version) > 0 : $0.failed > $1.failed
        }
        return Adoption(activeSites: active, releases: releases, leftBehind: leftBehind, failures: sortedFailures)
    }
}
