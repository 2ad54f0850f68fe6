import ArgumentParser
import Foundation
import HeraldCore
import NIOCore
import NIOFoundationCompat

/// `herald plan PRODUCT`: seed 000's "build all - check warnings", as a table.
struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show what the promotion rules propose for every channel, with warnings.")

    @Argument(help: "The product's id.")
    var product: String

    @OptionGroup var server: ServerOptions

    func run() async throws {
        let product = try ProductID(validating: product)
        let plan = try await server.send(.GET, "/api/v1/\(product)/plan") as? [String: Any] ?? [:]
        printPlan(plan)
    }
}

/// `herald publish-all PRODUCT [--channel C ...] [--yes]`: shows the plan, then applies it.
struct PublishAll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish-all", abstract: "Apply the plan's proposed moves, after showing them (seed 000's \"publish all\").")

    @Argument(help: "The product's id.")
    var product: String

    @Option(name: .customLong("channel"), help: "A channel to move; repeat it. Default: every channel with a proposal.")
    var channels: [String] = []

    @Flag(help: "Apply without asking.")
    var yes = false

    @OptionGroup var server: ServerOptions

    func run() async throws {
        let product = try ProductID(validating: product)
        let plan = try await server.send(.GET, "/api/v1/\(product)/plan") as? [String: Any] ?? [:]
        printPlan(plan)
        let entries = plan["channels"] as? [[String: Any]] ?? []
        let proposed = entries.filter { $0["proposed"] is [String: Any] }.compactMap { $0["channel"] as? String }
        let selected = channels.isEmpty ? proposed : channels
        for channel in selected { _ = try ChannelID(validating: channel, field: "--channel") }
        guard !selected.isEmpty else {
            print("nothing to publish")
            return
        }
        if !yes {
            print("Publish \(selected.joined(separator: ", "))? [y/N] ", terminator: "")
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                throw CommandFailure(message: "nothing published")
            }
        }
        let body = try JSONSerialization.data(withJSONObject: ["plan_version": plan["plan_version"] as? String ?? "", "channels": selected])
        let after = try await server.send(
            .POST, "/api/v1/\(product)/publish", body: .bytes(ByteBuffer(data: body)), contentType: "application/json")
        print("published \(selected.joined(separator: ", "))")
        printPlan(after as? [String: Any] ?? [:])
    }
}

/// `herald extension put PRODUCT FILE`: uploads an `extension.yaml`.
struct ExtensionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extension", abstract: "Manage a product's extension manifests.", subcommands: [Put.self])

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Upload an extension manifest (YAML or JSON: name, premium, beta, stable).")

        @Argument(help: "The product's id.")
        var product: String

        @Argument(help: "The manifest file; its name without extension names the extension.")
        var file: String

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let product = try ProductID(validating: product)
            guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure(message: "cannot read \(file)") }
            let id = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            let path = "/api/v1/\(product)/extensions/\(id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id)"
            let stored = try await server.send(.PUT, path, body: .bytes(ByteBuffer(data: data)), contentType: "application/yaml")
            try printJSON(stored)
        }
    }
}

/// One line per channel: what it serves, what is proposed, and the warnings under it.
private func printPlan(_ plan: [String: Any]) {
    print("plan \(plan["plan_version"] as? String ?? "?")")
    for entry in plan["channels"] as? [[String: Any]] ?? [] {
        let current = (entry["current"] as? [String: Any])?["version"] as? String ?? "-"
        let proposed = (entry["proposed"] as? [String: Any])?["version"] as? String
        print("\(entry["channel"] as? String ?? "?")\t\(current)\t\(proposed.map { "-> \($0)" } ?? "")")
        for warning in entry["warnings"] as? [[String: Any]] ?? [] {
            print("\t\(warning["code"] as? String ?? ""): \(warning["message"] as? String ?? "")")
        }
    }
}
