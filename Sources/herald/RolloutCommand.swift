import ArgumentParser
import HeraldCore
import HeraldStore

/// `herald rollout ...`: stage a channel move at a percentage of sites, raise, pause, resume, complete.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout", abstract: "Stage a build on a channel for a share of its sites.",
        subcommands: [Start.self, Raise.self, Pause.self, Resume.self, Complete.self, Show.self])

    /// The product and channel every subcommand names.
    struct Target: ParsableArguments {
        @Argument(help: "The product's id.")
        var product: String

        @Argument(help: "The channel, e.g. stable.")
        var channel: String

        func ids() throws -> (ProductID, ChannelID) {
            (try ProductID(validating: product), try ChannelID(validating: channel))
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Offer a build to a percentage of the channel's sites.")

        @OptionGroup var target: Target

        @Argument(help: "The build: its hash or a unique prefix of 12 or more characters.")
        var build: String

        @Option(help: "The share of sites, e.g. 20 or 12.5.")
        var percentage: String

        @Option(
            name: .customLong("halt-after-reports"),
            help: "Guard the rollout: halt it by itself once its build has this many outcome reports failing more than the previous build's by --halt-margin.")
        var haltAfterReports: Int?

        @Option(name: .customLong("halt-margin"), help: "The guard's margin, in percentage points (default 5; with it alone, 20 reports).")
        var haltMargin: Double?

        @OptionGroup var data: DataOptions

        func run() async throws {
            let (product, channel) = try target.ids()
            let points = try Rollout.basisPoints(parsing: percentage)
            var halting: RolloutGuard?
            if haltAfterReports != nil || haltMargin != nil {
                guard haltMargin.map({ $0.isFinite && (0...100).contains($0) }) ?? true else {
                    throw CommandFailure(message: "--halt-margin must be from 0 to 100 percentage points")
                }
                halting = try RolloutGuard(
                    minimumReports: haltAfterReports ?? RolloutGuard.defaultMinimumReports,
                    margin: haltMargin.map { Int(($0 * 100).rounded()) } ?? RolloutGuard.defaultMargin)
            }
            let rollout = try await data.withStore(logger: quietLogger()) { store in
                let found = try await store.build(matching: try BuildReference(validating: build, field: "build"), of: product)
                return try await store.startRollout(
                    of: channel, of: product, build: found.hash, basisPoints: points, halting: halting, actor: "herald-cli")
            }
            printRollout(rollout)
        }
    }

    struct Raise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Raise the share of sites (never lower it); resumes a paused rollout.")

        @OptionGroup var target: Target

        @Option(help: "The new share of sites.")
        var percentage: String

        @OptionGroup var data: DataOptions

        func run() async throws {
            let (product, channel) = try target.ids()
            let points = try Rollout.basisPoints(parsing: percentage)
            printRollout(try await data.withStore(logger: quietLogger()) { try await $0.raiseRollout(of: channel, of: product, to: points) })
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop offering the build to any site until resumed.")

        @OptionGroup var target: Target
        @OptionGroup var data: DataOptions

        func run() async throws {
            let (product, channel) = try target.ids()
            printRollout(try await data.withStore(logger: quietLogger()) { try await $0.pauseRollout(of: channel, of: product, paused: true) })
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Offer the build again to the sites in the rollout.")

        @OptionGroup var target: Target
        @OptionGroup var data: DataOptions

        func run() async throws {
            let (product, channel) = try target.ids()
            printRollout(try await data.withStore(logger: quietLogger()) { try await $0.pauseRollout(of: channel, of: product, paused: false) })
        }
    }

    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the build to every site of the channel.")

        @OptionGroup var target: Target
        @OptionGroup var data: DataOptions

        func run() async throws {
            let (product, channel) = try target.ids()
            try await data.withStore(logger: quietLogger()) { try await $0.completeRollout(of: channel, of: product, actor: "herald-cli") }
            print("Channel '\(channel)' of '\(product)' now serves the rolled-out build to every site")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the channel's rollout.")

        @OptionGroup var target: Target
        @OptionGroup var data: DataOptions

        func run() async throws {
            let (product, channel) = try target.ids()
            guard let rollout = try await data.withStore(logger: quietLogger(), { try await $0.rollout(of: channel, of: product) }) else {
                throw HeraldError.noRollout(channel)
            }
            printRollout(rollout)
        }
    }
}

private func printRollout(_ rollout: Rollout) {
    print("\(rollout.product) \(rollout.channel): \(rollout.build) to \(rollout.percentage)% of sites\(rollout.paused ? ", paused" : "")")
    if let halting = rollout.halting {
        print("guard: halt after \(halting.minimumReports) reports failing more than the previous build by \(Double(halting.margin) / 100) points")
    }
    if let reason = rollout.haltReason { print(reason) }
}
