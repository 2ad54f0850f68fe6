import Foundation
import HeraldCore
import SQLKit

extension Store {
    /// Saves a new display message for its product, whose channels and licenses must exist.
    public func createMessage(_ message: DisplayMessage) async throws {
        try await save(message, replacing: false)
    }

    /// Replaces a display message of the product with `message` (same id): what it says and to
    /// whom. `unknown_message` when there is none.
    public func replaceMessage(_ message: DisplayMessage) async throws {
        try await save(message, replacing: true)
    }

    private func save(_ message: DisplayMessage, replacing: Bool) async throws {
        try DisplayMessage.validate(
            text: message.text, code: message.code, urlPattern: message.urlPattern, startsAt: message.startsAt, endsAt: message.endsAt)
        try await withTransaction { database in
            guard try await lockProduct(message.product, in: database) else { throw HeraldError.unknownProduct(message.product) }
            for channel in message.channels {
                guard try await lockChannel(channel, of: message.product, in: database) != nil else {
                    throw HeraldError.unknownChannel(channel, of: message.product)
                }
            }
            if replacing {
                guard
                    try await database.select().column("id").from("display_messages").where("id", .equal, message.id)
                        .where("product_id", .equal, message.product.rawValue).first() != nil
                else {
                    throw HeraldError.unknownMessage(message.id)
                }
                try await database.delete(from: "display_messages").where("id", .equal, message.id).run()
            }
            try await database.insert(into: "display_messages")
                .columns(
                    "id", "product_id", "type", "text", "code", "channels", "url_pattern", "licenses", "starts_at", "ends_at", "created_at")
                .values(
                    SQLBind(message.id), SQLBind(message.product.rawValue), SQLBind(message.level.rawValue), SQLBind(message.text),
                    SQLBind(message.code), SQLBind(message.channels.map(\.rawValue).joined(separator: ",")), SQLBind(message.urlPattern),
                    SQLBind(message.licenses.joined(separator: ",")), SQLBind(message.startsAt), SQLBind(message.endsAt),
                    SQLBind(message.createdAt))
                .run()
        }
    }

    /// The product's display messages, oldest first.
    public func messages(of product: ProductID) async throws -> [DisplayMessage] {
        try await withDatabase { database in try await messages(of: product, in: database) }
    }

    func messages(of product: ProductID, in database: any SQLDatabase) async throws -> [DisplayMessage] {
        let rows = try await database.select().column("*").from("display_messages").where("product_id", .equal, product.rawValue)
            .orderBy("created_at").orderBy("id").all()
        var messages: [DisplayMessage] = []
        for row in rows {
            let level = try row.decode(column: "type", as: String.self)
            var channels: [ChannelID] = []
            for channel in try row.decode(column: "channels", as: String.self).split(separator: ",") {
                channels.append(try ChannelID(validating: String(channel)))
            }
            messages.append(
                DisplayMessage(
                    id: try row.decode(column: "id", as: String.self), product: product, level: Notice.Level(rawValue: level) ?? .info,
                    text: try row.decode(column: "text", as: String.self), code: try row.decode(column: "code", as: String?.self),
                    channels: channels, urlPattern: try row.decode(column: "url_pattern", as: String?.self),
                    licenses: try row.decode(column: "licenses", as: String.self).split(separator: ",").map(String.init),
                    startsAt: try row.decode(column: "starts_at", as: Int64?.self), endsAt: try row.decode(column: "ends_at", as: Int64?.self),
                    createdAt: try row.decode(column: "created_at", as: Int64.self)))
        }
        return messages
    }

    /// Deletes a display message of the product.
    public func deleteMessage(_ id: String, of product: ProductID) async throws {
        try await withTransaction { database in
            guard try await lockProduct(product, in: database) else { throw HeraldError.unknownProduct(product) }
            let deleted = try await database.delete(from: "display_messages").where("id", .equal, id)
                .where("product_id", .equal, product.rawValue).returning("id").all()
            guard !deleted.isEmpty else { throw HeraldError.unknownMessage(id) }
        }
    }
}
