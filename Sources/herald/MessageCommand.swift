import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore

/// `herald message ...`: display messages (seed 000) shown to the sites they target.
struct MessageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message", abstract: "Manage display messages.", subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a message in the answers to the sites it targets; prints its id.")

        @Option(help: "The product whose answers carry it.")
        var product: String

        @Option(help: "info, warning or error.")
        var type = "info"

        @Option(help: "The text sites show.")
        var text: String

        @Option(help: "A code sites can act on (default: display_message).")
        var code: String?

        @Option(help: "Only sites on this channel; repeat for more.")
        var channel: [String] = []

        @Option(name: .customLong("url-pattern"), help: "Only sites whose address matches this glob, e.g. '*.example.com*'.")
        var urlPattern: String?

        @Option(help: "Only sites with this license (key or id); repeat for more.")
        var license: [String] = []

        @Option(help: "Shown from this time: YYYY-MM-DD or ISO 8601 (default: now).")
        var from: String?

        @Option(help: "Shown until this time; a bare date includes that day (default: no end).")
        var until: String?

        @OptionGroup var data: DataOptions

        func run() async throws {
            let productID = try ProductID(validating: product, field: "--product")
            guard let level = Notice.Level(rawValue: type) else {
                throw CommandFailure(message: "--type \(quoted(type)) is invalid: info, warning or error")
            }
            let channels = try channel.map { try ChannelID(validating: $0, field: "--channel") }
            let message = try await data.withStore(logger: quietLogger()) { store -> DisplayMessage in
                var licenses: [String] = []
                for keyOrID in license {
                    guard let found = try await store.license(keyOrID: keyOrID) else {
                        throw CommandFailure(message: "no license has the key or id \(quoted(keyOrID))")
                    }
                    licenses.append(found.id)
                }
                let message = DisplayMessage(
                    id: UUID().uuidString.lowercased(), product: productID, level: level, text: text, code: code, channels: channels,
                    urlPattern: urlPattern, licenses: licenses, startsAt: try from.map { try Moment.parse($0, field: "--from") },
                    endsAt: try until.map { try Moment.parse($0, field: "--until", endOfDay: true) }, createdAt: currentTimeMillis())
                try await store.createMessage(message)
                return message
            }
            print(message.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a product's display messages.")

        @Argument(help: "The product's id.")
        var product: String

        @OptionGroup var data: DataOptions

        func run() async throws {
            let productID = try ProductID(validating: product)
            let messages = try await data.withStore(logger: quietLogger()) { try await $0.messages(of: productID) }
            for message in messages {
                let targets = [
                    message.channels.isEmpty ? nil : "channels " + message.channels.map(\.rawValue).joined(separator: ","),
                    message.urlPattern.map { "sites \($0)" },
                    message.licenses.isEmpty ? nil : "licenses " + message.licenses.joined(separator: ","),
                    message.startsAt.map { "from \(Moment.iso($0))" }, message.endsAt.map { "until \(Moment.iso($0))" },
                ].compactMap { $0 }
                print("\(message.id)\t\(message.level.rawValue)\t\(message.code ?? "-")\t\(message.text)\t\(targets.isEmpty ? "every site" : targets.joined(separator: "; "))")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a display message.")

        @Argument(help: "The product's id.")
        var product: String

        @Argument(help: "The message's id.")
        var id: String

        @OptionGroup var data: DataOptions

        func run() async throws {
            let productID = try ProductID(validating: product)
            try await data.withStore(logger: quietLogger()) { try await $0.deleteMessage(id, of: productID) }
            print("Deleted message \(id)")
        }
    }
}
