import ArgumentParser
import Foundation
import HeraldStore

/// `herald config check`: are the settings file and the `HERALD_*` variables what `serve` can run on?
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check Herald's settings.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the settings file (--config or $HERALD_CONFIG) and the HERALD_* variables as herald serve would, print every setting with where it comes from, and check that the data folder, the database and the bucket answer; exits 1 on any problem.")

        func run() async throws {
            // The settings as `serve` gets them: from the same command line, the same environment.
            // `herald config check ARGS...`: ARGS are serve's.
            let given = Array(CommandLine.arguments.dropFirst(3))
            let settings = try CommandSettings(arguments: ["serve"] + given, environment: ProcessInfo.processInfo.environment)
            let serve: Serve
            do {
                serve = try Serve.parse(Array(settings.arguments.dropFirst()))
            } catch {
                throw CommandFailure(message: Serve.message(for: error))
            }
            for (name, source) in settings.sources.sorted(by: { $0.key < $1.key }) {
                let values = Self.values(of: name, in: settings.arguments)
                let shown = values.isEmpty ? "true" : values.map { Self.redacted($0, name: name) }.joined(separator: ", ")
                print("\(name) = \(shown)    # from \(CommandSettings.describe(source))")
            }
            var problems: [String] = []
            do {
                let location = try serve.data.prepare()
                let store = try await location.openStore(logger: quietLogger())
                // Reached, not migrated: a check must not upgrade a database older instances use.
                let version = try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await store.run() }
                    defer { group.cancelAll() }
                    try await store.checkReachable(timeout: .seconds(15))
                    // A database no Herald has used yet has no schema_migrations table.
                    return (try? await store.appliedMigrations())?.max() ?? 0
                }
                let known = Migration.all.count
                print("database: reachable, schema version \(version) of \(known)\(version < known ? " (herald serve brings it up to date)" : "")")
                if version > known { problems.append("database: its schema is newer than this Herald knows; run a newer Herald") }
            } catch {
                problems.append("database: \(error)")
            }
            do {
                let blobs = try serve.data.openBlobs()
                try await blobs.checkBucket()
                print("blobs: \(blobs.bucketLocation?.description ?? "the data folder") answers")
            } catch {
                problems.append("blobs: \(error)")
            }
            guard problems.isEmpty else {
                for problem in problems { print("problem: \(problem)") }
                throw ExitCode(1)
            }
            print("ok: herald serve can start with these settings")
        }

        private static func values(of name: String, in arguments: [String]) -> [String] {
            var values: [String] = []
            for (index, argument) in arguments.enumerated() {
                if argument == "--\(name)", index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") {
                    values.append(arguments[index + 1])
                } else if argument.hasPrefix("--\(name)=") {
                    values.append(String(argument.dropFirst(name.count + 3)))
                }
            }
            return values
        }

        /// A database URL without its password.
        private static func redacted(_ value: String, name: String) -> String {
            guard name == "database", var components = URLComponents(string: value), components.password != nil else { return value }
            components.password = "***"
            return components.string ?? value
        }
    }
}
