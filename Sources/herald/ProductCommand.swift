import ArgumentParser
import HeraldCore
import HeraldStore

/// `herald product ...`
struct ProductCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "product", abstract: "Manage products.", subcommands: [Create.self, Update.self])

    /// `herald product create ID --name NAME --kind plugin|theme|app [--hidden] [--premium]`
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

        @Flag(help: "Sold under licenses: builds are downloaded only through signed links given to licensed sites.")
        var premium = false

        @OptionGroup var data: DataOptions

        func run() async throws {
            let product = Product(
                id: try ProductID(validating: id), name: name, kind: try Product.Kind(validating: kind), hidden: hidden, premium: premium,
                createdAt: currentTimeMillis())
            try Product.validateName(name)
            try await data.withStore(logger: quietLogger()) { store in
                try await store.createProduct(product)
            }
            print("Created \(product.kind.rawValue) '\(product.id)' with channels stable, beta, development")
        }
    }

    /// `herald product update ID [--name NAME] [--premium|--no-premium] [--hidden|--no-hidden]`
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a product's name, visibility or premium flag.")

        @Argument(help: "The product's id.")
        var id: String

        @Option(help: "The name people see.")
        var name: String?

        @Flag(inversion: .prefixedNo, help: "Premium: builds only through signed links given to licensed sites.")
        var premium: Bool?

        @Flag(inversion: .prefixedNo, help: "Leave the product out of listings.")
        var hidden: Bool?

        @OptionGroup var data: DataOptions

        func run() async throws {
            let productID = try ProductID(validating: id)
            let product = try await data.withStore(logger: quietLogger()) { store in
                try await store.updateProduct(productID, name: name, hidden: hidden, premium: premium)
            }
            print("Product '\(product.id)': \(product.name), \(product.premium ? "premium" : "free"), \(product.hidden ? "hidden" : "listed")")
        }
    }
}
