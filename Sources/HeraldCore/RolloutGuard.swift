/// What halts a staged rollout by itself: once its build has at least ``minimumReports``
/// outcome reports, a failure rate above the previous build's by more than ``margin`` (in
/// hundredths of a percent). The previous build's rate is that of the build the channel serves
/// everyone else; with no reports for it, zero.
public struct RolloutGuard: Hashable, Sendable {
    public var minimumReports: Int
    /// Percentage points in hundredths: 500 is 5 points.
    public var margin: Int

    public static let defaultMinimumReports = 20
    public static let defaultMargin = 500

    public init(minimumReports: Int = Self.defaultMinimumReports, margin: Int = Self.defaultMargin) throws(HeraldError) {
        guard (1...1_000_000).contains(minimumReports) else {
            throw .invalidInput("halt_after_reports must be a whole number from 1 to 1000000")
        }
        guard (0...10_000).contains(margin) else { throw .invalidInput("halt_margin must be from 0 to 100 percentage points") }
        self.minimumReports = minimumReports
        self.margin = margin
    }

    /// Reports of one build: how many, and how many of them failures.
    public struct Tally: Hashable, Sendable {
        public var reports: Int
        public var failures: Int

        public init(reports: Int, failures: Int) {
            self.reports = reports
            self.failures = failures
        }

        /// The failure rate in hundredths of a percent, rounded down.
        public var rate: Int { reports == 0 ? 0 : failures * 10_000 / reports }

        var percentage: String { Self.percent(rate) }

        static func percent(_ basisPoints: Int) -> String {
            "\(basisPoints / 100).\(String(format2: basisPoints % 100))%"
        }
    }

    /// Why the rollout halts, with the figures; nil while it may go on.
    public func halt(new: Tally, previous: Tally) -> String? {
        guard new.reports >= minimumReports, new.rate > previous.rate + margin else { return nil }
        return "halted by its guard: \(new.failures) of \(new.reports) reports of the new build failed (\(new.percentage)), "
            + "against \(previous.failures) of \(previous.reports) for the previous build (\(previous.percentage)); "
            + "the guard allows \(Tally.percent(margin).dropLast()) points more after \(minimumReports) reports"
    }
}

extension String {
    /// Two digits: `5` is `05`.
    fileprivate init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : String(value)
    }
}
