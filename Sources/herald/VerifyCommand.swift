import ArgumentParser
import Foundation
import HeraldStore

/// `herald verify`: is the data folder and database whole?
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every channel's build, every history and every blob is consistent; exits 1 and lists what is not.")

    @Flag(name: .customLong("quick"), help: "Do not read every blob to check its SHA-256.")
    var quick = false

    @OptionGroup var data: DataOptions

    func run() async throws {
        let blobs = try data.openBlobs()
        let found = try await data.withStore(logger: quietLogger()) { store in
            try await store.inconsistencies(blobs: blobs, readingContents: !quick)
        }
        guard !found.isEmpty else {
            print("verified: every channel's build, every history and every blob is consistent")
            return
        }
        for problem in found { print(problem) }
        throw ExitCode(1)
    }
}
