import ArgumentParser
import HeraldStore

/// `herald key show`: the public key packages are signed with, for `wp_trusted_keys`.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "The package signing key.", subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the Ed25519 public key (base64) that every package's signature verifies with; made at first use.")

        @OptionGroup var data: DataOptions

        func run() async throws {
            let data = data
            let key = try await data.withStore(logger: quietLogger()) { store in
                try await PackageSigner.current(dataDirectory: data.dataDirectory, store: store).publicKey
            }
            print(key)
        }
    }
}
