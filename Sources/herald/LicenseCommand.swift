import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore

/// `herald license create|list|search|revoke`: customers' licenses.
struct LicenseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "license", abstract: "Manage customers' licenses.", subcommands: [Create.self, List.self, Search.self, Revoke.self, LicenseDeactivate.self])

    /// Prints the license's id, then its key alone on the last line (shown once, stored hashed).
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a license; the key is shown once and stored hashed.")

        @Option(help: "The customer's name.")
        var customer: String

        @Option(help: "The customer's email.")
        var email: String

        @Option(name: .customLong("product"), help: "A product the license covers; repeat for several.")
        var products: [String]

        @Option(help: "How many sites may use it (default: any number).")
        var sites: Int?

        @Option(help: "The last day it is valid, YYYY-MM-DD (UTC; default: never expires).")
        var expires: String?

        @Option(help: "The customer's channel: sites with this license are answered from it.")
        var channel: String?

        @OptionGroup var data: DataOptions

        func run() async throws {
            let scope = Set(try products.map { try ProductID(validating: $0, field: "--product") })
            let bound = try channel.map { try ChannelID(validating: $0, field: "--channel") }
            let expiresAt = try expires.map { try Moment.parse($0, field: "--expires", endOfDay: true) }
            let issued = try await data.withStore(logger: quietLogger()) { store in
                try await store.createLicense(
                    customerName: customer, customerEmail: email, products: scope, channel: bound, expiresAt: expiresAt, siteLimit: sites)
            }
            print("Created license \(issued.license.id) for \(customer) <\(email)>. The key is shown only now:")
            print(issued.key)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every license, newest first.")

        @OptionGroup var data: DataOptions

        func run() async throws {
            let licenses = try await data.withStore(logger: quietLogger()) { try await $0.licenses() }
            printLicenses(licenses)
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find licenses by customer name or email.")

        @Argument(help: "Part of the customer's name or email.")
        var text: String

        @OptionGroup var data: DataOptions

        func run() async throws {
            let licenses = try await data.withStore(logger: quietLogger()) { try await $0.licenses(matching: text) }
            printLicenses(licenses)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a license, by its key or id.")

        @Argument(help: "The license's key or id.")
        var license: String

        @OptionGroup var data: DataOptions

        func run() async throws {
            let revoked = try await data.withStore(logger: quietLogger()) { store -> License in
                guard let found = try await store.license(keyOrID: license) else {
                    throw CommandFailure(message: "no license has the key or id \(quoted(license))")
                }
                try await store.revokeLicense(found.id)
                return found
            }
            print("Revoked license \(revoked.id) (…\(revoked.keyLast4)) of \(revoked.customerName)")
        }
    }
}

/// `herald license deactivate KEY_OR_ID SITE`: frees a place of the license's site limit.
struct LicenseDeactivate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deactivate", abstract: "Free a site's place in a license's site limit.")

    @Argument(help: "The license's key or id.")
    var license: String

    @Argument(help: "The site, e.g. https://shop.example.com.")
    var site: String

    @OptionGroup var data: DataOptions

    func run() async throws {
        guard let address = SiteAddress.normalize(site) else { throw CommandFailure(message: "\(quoted(site)) is not a site address") }
        let freed = try await data.withStore(logger: quietLogger()) { store -> Bool in
            guard let found = try await store.license(keyOrID: license) else {
                throw CommandFailure(message: "no license has the key or id \(quoted(license))")
            }
            return try await store.deactivateSite(address, licenseID: found.id)
        }
        guard freed else { throw CommandFailure(message: "the site \(quoted(address)) is not active on this license") }
        print("Deactivated \(address); its place is free.")
    }
}

/// One line per license: id, the key's last four, status, customer, products, channel, limits.
private func printLicenses(_ licenses: [License]) {
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    for license in licenses {
        let products = license.products.map(\.rawValue).sorted().joined(separator: ",")
        let sites = license.siteLimit.map { "\($0) sites" } ?? "any sites"
        let channels = Set(license.channels.values).map(\.rawValue).sorted().joined(separator: ",")
        print(
            "\(license.id)\t…\(license.keyLast4)\t\(license.status(at: now).rawValue)\t\(license.customerName) <\(license.customerEmail)>"
                + "\t\(products)\t\(channels.isEmpty ? "-" : channels)\t\(sites)")
    }
}
