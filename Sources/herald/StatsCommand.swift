import ArgumentParser
import HeraldCore
import HeraldStore

/// `herald stats PRODUCT [--days N]`: who runs what.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Active sites per version, channel, WordPress and PHP version.")

    @Argument(help: "The product's id.")
    var product: String

    @Option(help: "The window, in days up to today (1 to 366).")
    var days = 30

    @OptionGroup var data: DataOptions

    func validate() throws {
        guard (1...366).contains(days) else { throw ValidationError("--days must be from 1 to 366") }
    }

    func run() async throws {
        let productID = try ProductID(validating: product)
        let today = currentTimeMillis() / 86_400_000
        let statistics = try await data.withStore(logger: quietLogger()) { store in
            guard try await store.product(productID) != nil else { throw HeraldError.unknownProduct(productID) }
            return try await store.installStatistics(of: productID, from: today - Int64(days) + 1, to: today)
        }
        print("\(productID): \(statistics.activeSites) active sites, \(statistics.checks) checks, \(Moment.day(statistics.firstDay)) to \(Moment.day(statistics.lastDay))")
        for (title, counts) in [
            ("versions", statistics.versions), ("channels", statistics.channels), ("WordPress", statistics.wordpressVersions),
            ("PHP", statistics.phpVersions),
        ] {
            print("\(title):")
            for (name, count) in counts.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
                print("  \(name)\t\(count)")
            }
        }
    }
}
