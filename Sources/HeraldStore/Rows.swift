import Foundation
import HeraldCore
import SQLKit

/// Turning stored rows back into domain values. Identifiers are validated again on the way
/// out, so a row edited by hand into something invalid fails loudly instead of leaking; it
/// fails as a ``CorruptRowError`` (a 500), since the request is not to blame.

/// A stored row that breaks the rules it was written by.
public struct CorruptRowError: Error, CustomStringConvertible {
    public let table: String
    public let detail: String

    public var description: String { "a row of \(table) is invalid: \(detail)" }
}

func decodingStored<T>(_ table: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as HeraldError {
        throw CorruptRowError(table: table, detail: error.description)
    }
}
extension Product {
    init(row: any SQLRow) throws {
        self = try decodingStored("products") {
            Product(
                id: try ProductID(validating: try row.decode(column: "id", as: String.self)),
                name: try row.decode(column: "name", as: String.self),
                kind: try Kind(validating: try row.decode(column: "kind", as: String.self)),
                hidden: try row.decode(column: "hidden", as: Bool.self),
                premium: try row.decode(column: "premium", as: Bool.self),
                homepage: try row.decode(column: "homepage", as: String?.self),
                description: try row.decode(column: "description", as: String?.self),
                createdAt: try row.decode(column: "created_at", as: Int64.self))
        }
    }
}

extension Channel {
    init(row: any SQLRow) throws {
        self = try decodingStored("channels") {
            Channel(
                product: try ProductID(validating: try row.decode(column: "product_id", as: String.self)),
                id: try ChannelID(validating: try row.decode(column: "id", as: String.self)),
                name: try row.decode(column: "name", as: String.self),
                description: try row.decode(column: "description", as: String.self),
                aliasFor: try row.decode(column: "alias_for", as: String?.self).map { try ChannelID(validating: $0) },
                isCore: try row.decode(column: "is_core", as: Bool.self),
                isCustom: try row.decode(column: "is_custom", as: Bool.self),
                isFavourite: try row.decode(column: "is_favourite", as: Bool.self),
                latestBuild: try row.decode(column: "latest_build", as: String?.self).map { try BuildHash(validating: $0) },
                activeBuild: try row.decode(column: "active_build", as: String?.self).map { try BuildHash(validating: $0) },
                createdAt: try row.decode(column: "created_at", as: Int64.self),
                extends: try row.decode(column: "extends", as: String?.self).map { try ChannelID(validating: $0) })
        }
    }
}

extension Build {
    init(row: any SQLRow) throws {
        self = try decodingStored("builds") {
            Build(
                hash: try BuildHash(validating: try row.decode(column: "hash", as: String.self)),
                md5: try row.decode(column: "md5", as: String.self),
                product: try ProductID(validating: try row.decode(column: "product_id", as: String.self)),
                version: try Version(validating: try row.decode(column: "version", as: String.self)),
                channel: try ChannelID(validating: try row.decode(column: "channel_id", as: String.self)),
                timestamp: try row.decode(column: "uploaded_at", as: Int64.self),
                builder: Builder(
                    name: try row.decode(column: "builder_name", as: String?.self),
                    version: try row.decode(column: "builder_version", as: String?.self)),
                uploadedBy: try row.decode(column: "uploaded_by", as: String?.self),
                size: try row.decode(column: "size", as: Int64.self),
                fileName: try FileName(validating: try row.decode(column: "file_name", as: String.self)),
                isLatest: try row.decode(column: "is_latest", as: Bool.self),
                requires: try row.decode(column: "requires", as: String?.self),
                tested: try row.decode(column: "tested", as: String?.self),
                requiresPHP: try row.decode(column: "requires_php", as: String?.self),
                changelog: try row.decode(column: "changelog", as: String?.self),
                sha384: try row.decode(column: "sha384", as: String?.self),
                details: try WordPressDetails(json: try row.decode(column: "wordpress_details", as: String?.self)),
                releaseDate: try row.decode(column: "release_date", as: String?.self),
                app: try AppDetails(json: try row.decode(column: "app_details", as: String?.self)),
                yank: try row.decode(column: "yanked_at", as: Int64?.self).map { at in
                    Yank(
                        reason: try row.decode(column: "yank_reason", as: String?.self) ?? "",
                        at: at, by: try row.decode(column: "yanked_by", as: String?.self) ?? "")
                })
        }
    }
}

extension ChannelMove {
    init(row: any SQLRow) throws {
        guard let pointer = Pointer(rawValue: try row.decode(column: "pointer", as: String.self)),
            let reason = Reason(rawValue: try row.decode(column: "reason", as: String.self))
        else {
            throw CorruptRowError(table: "channel_moves", detail: "unknown pointer or reason")
        }
        self = try decodingStored("channel_moves") {
            ChannelMove(
                product: try ProductID(validating: try row.decode(column: "product_id", as: String.self)),
                channel: try ChannelID(validating: try row.decode(column: "channel_id", as: String.self)),
                sequence: try row.decode(column: "sequence", as: Int64.self),
                pointer: pointer,
                from: try row.decode(column: "from_build", as: String?.self).map { try BuildHash(validating: $0) },
                to: try row.decode(column: "to_build", as: String?.self).map { try BuildHash(validating: $0) },
                reason: reason,
                actor: try row.decode(column: "actor", as: String.self),
                at: try row.decode(column: "moved_at", as: Int64.self))
        }
    }
}

extension WordPressDetails {
    /// Parses the `wordpress_details` column; a build stored before it has none.
    init(json: String?) throws {
        guard let json, !json.isEmpty else {
            self.init()
            return
        }
        do {
            self = try JSONDecoder().decode(WordPressDetails.self, from: Data(json.utf8))
        } catch {
            throw CorruptRowError(table: "builds", detail: "wordpress_details is not valid JSON")
        }
    }

    /// The `wordpress_details` column.
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension AppDetails {
    /// Parses the `app_details` column; a build stored before it, or not an app's, has none.
    init(json: String?) throws {
        guard let json, !json.isEmpty else {
            self.init()
            return
        }
        do {
            self = try JSONDecoder().decode(AppDetails.self, from: Data(json.utf8))
        } catch {
            throw CorruptRowError(table: "builds", detail: "app_details is not valid JSON")
        }
    }

    /// The `app_details` column: nil when nothing is set.
    func json() throws -> String? {
        guard self != AppDetails() else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
