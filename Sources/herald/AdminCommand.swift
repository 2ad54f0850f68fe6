import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore

/// `herald admin ...`: the accounts that sign in to the console at `/admin/`.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Manage console accounts (the web console at /admin/).",
        subcommands: [Create.self, List.self, Delete.self, ResetPassword.self])

    /// `herald admin create EMAIL [--product ID ...]`: the password from standard input, or prompted.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a console account; the password is read from standard input (or prompted) and stored hashed.")

        @Argument(help: "The email address the account signs in with.")
        var email: String

        @Option(name: .customLong("product"), help: "A product the account may change; repeat for several. None: every product.")
        var products: [String] = []

        @OptionGroup var data: DataOptions

        func run() async throws {
            let scope = Set(try products.map { try ProductID(validating: $0) })
            let email = try ConsoleAccount.normalizeEmail(email)
            let password = try readPassword()
            _ = try await data.withStore(logger: quietLogger()) { store in
                try await store.createAccount(email: email, password: password, products: scope)
            }
            let reach = scope.isEmpty ? "every product" : scope.sorted().map(\.rawValue).joined(separator: ", ")
            print("Created console account \(email) for \(reach).")
        }
    }

    /// `herald admin list`
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List console accounts and the products each may change.")

        @OptionGroup var data: DataOptions

        func run() async throws {
            let accounts = try await data.withStore(logger: quietLogger()) { try await $0.accounts() }
            for account in accounts {
                let reach = account.products.isEmpty ? "every product" : account.products.sorted().map(\.rawValue).joined(separator: ",")
                print("\(account.email)\t\(reach)\tcreated \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(account.createdAt) / 1000)))")
            }
        }
    }

    /// `herald admin delete EMAIL`
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a console account; its sessions end at once.")

        @Argument var email: String
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await data.withStore(logger: quietLogger()) { try await $0.deleteAccount(email: email) }
            print("Deleted console account \(email.lowercased()).")
        }
    }

    /// `herald admin reset-password EMAIL`
    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Set a console account's password (standard input, or prompted); its sessions end.")

        @Argument var email: String
        @OptionGroup var data: DataOptions

        func run() async throws {
            let password = try readPassword()
            try await data.withStore(logger: quietLogger()) { try await $0.resetPassword(email: email, to: password) }
            print("Set a new password for \(email.lowercased()); its sessions have ended.")
        }
    }
}

/// A password from the terminal, not echoed, or the first line of standard input when it is not a terminal.
private func readPassword() throws -> String {
    let password: String?
    if isatty(STDIN_FILENO) != 0 {
        password = getpass("Password: ").map { String(cString: $0) }
    } else {
        password = readLine(strippingNewline: true)
    }
    guard let password, !password.isEmpty else { throw ValidationError("no password given on standard input") }
    try ConsoleAccount.validatePassword(password)
    return password
}
