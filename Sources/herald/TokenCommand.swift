import ArgumentParser
import HeraldCore
import HeraldStore

/// `herald token ...`
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage API tokens.", subcommands: [Create.self])

    /// `herald token create --name NAME [--product ID ...]`: prints the secret once, on the last line.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token for publishing; the token is shown once and stored hashed.")

        @Option(help: "What the token is for, e.g. \"CI of private_blog\".")
        var name: String

        @Option(name: .customLong("product"), help: "A product the token may change; repeat for several. None: every product.")
        var products: [String] = []

        @OptionGroup var data: DataOptions

        func run() async throws {
            let scope = Set(try products.map { try ProductID(validating: $0) })
            try APIToken.validateName(name)
            let issued = try await data.withStore(logger: quietLogger()) { store in
                try await store.createToken(name: name, products: scope)
            }
            let reach = scope.isEmpty ? "every product" : scope.sorted().map(\.rawValue).joined(separator: ", ")
            print("Created token '\(issued.token.name)' for \(reach). It is shown only now; keep it secret:")
            print(issued.secret)
        }
    }
}
