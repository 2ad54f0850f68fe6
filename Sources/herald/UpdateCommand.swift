import ArgumentParser
import Foundation
import HeraldClient

/// `herald update --repo URL --dir DIR [--channel stable] [--public-key KEY]`: brings an
/// installed app folder to the version its GoUpdate channel points at.
struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Update an installed folder from a GoUpdate repository, fetching only changed files.")

    @Option(help: "The repository's URL, e.g. https://updates.example.com/goupdate/myapp.")
    var repo: String

    @Option(help: "The installed folder.")
    var dir: String

    @Option(help: "The channel to follow.")
    var channel = "stable"

    @Option(help: "The product the folder holds; by default the one it was installed from, recorded at its first update.")
    var product: String?

    @Option(name: .customLong("public-key"), help: "Herald's key (herald key show): refuse unsigned, tampered or expired metadata and rollbacks.")
    var publicKey: String?

    @Option(
        name: .customLong("report-to"),
        help: "Herald's URL, where each update's outcome is reported (it halts a failing guarded rollout); by default the repository's server when it is Herald's live /goupdate/ one. 'none' sends nothing.")
    var reportTo: String?

    func run() async throws {
        let reportsTo = reportTo == "none" ? nil : reportTo ?? GoUpdateClient.heraldServer(ofRepository: repo)
        let client = GoUpdateClient(
            repository: repo, installDirectory: dir, channel: channel, product: product, publicKey: publicKey, reportsTo: reportsTo
        ) { progress in
            FileHandle.standardError.write(Data("\rfiles \(progress.files)/\(progress.totalFiles), \(progress.bytes) bytes downloaded".utf8))
        }
        let outcome: GoUpdateClient.Outcome
        do {
            outcome = try await client.update()
        } catch {
            FileHandle.standardError.write(Data("\n".utf8))
            throw CommandFailure(message: "update failed, \(dir) is unchanged: \(error)")
        }
        FileHandle.standardError.write(Data("\n".utf8))
        switch outcome {
        case .upToDate(let version):
            print("up to date at version \(version)")
        case .updated(let from, let to, let files, let bytes):
            print("updated \(from.map(String.init) ?? "a new install") to version \(to): \(files) files, \(bytes) bytes downloaded")
        }
    }
}
