import ArgumentParser
import HeraldCore
import HeraldStore

/// `herald product ...`
struct ProductCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "product", abstract: "Manage products.", subcommands: [Create.self])

    /// `herald product create ID --name NAME --kind plugin|theme|app [--hidden]`
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a product with its core channels stable, beta and development.")

        @Argument(help: "The product's id: a-z, 0-9, '_' and '-', e.g. private_blog.")
        var id: String

        @Option(help: "The name people see, e.g. \"Private Blog\".")
        var name: String

        @Option(help: "plugin, theme or app.")
        var kind: String

        @Flag(help: "Leave the product out of listings; it still answers update checks.")
        var hidden = false

        @OptionGroup var data: DataOptions

        func run() async throws {
            let product = Product(
                id: try ProductID(validating: id), name: name, kind: try Product.Kind(validating: kind), hidden: hidden,
                createdAt: currentTimeMillis())
            try Product.validateName(name)
            try Product.ensureIDIsFree(product.id)
            try await data.withStore(logger: quietLogger()) { store in
                try await store.createProduct(product)
            }
            print("Created \(product.kind.rawValue) '\(product.id)' with channels stable, beta, development")
        }
    }
}
