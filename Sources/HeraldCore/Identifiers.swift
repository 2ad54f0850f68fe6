import HeraldFormats
/// Identifiers that arrive from outside: URLs, query strings, manifests, the command line.
///
/// Each type has exactly one validating initialiser, and it is the only way to make a value
/// from a string, so an unchecked identifier cannot reach a query or a file path. A refusal
/// names the field, the value and the rule. Decoding from JSON goes through the same check.
public protocol Identifier: Hashable, Sendable, CustomStringConvertible, Codable {
    var rawValue: String { get }
    /// The rule a valid value follows, in words, for error messages.
    static var rule: String { get }
    /// - Parameter field: the name the caller knows the value by, used in the error message.
    init(validating value: String, field: String) throws(HeraldError)
}

extension Identifier {
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let field = decoder.codingPath.last?.stringValue ?? "\(Self.self)"
        try self.init(validating: try decoder.singleValueContainer().decode(String.self), field: field)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A product's id, such as `private_blog`: `^[a-z0-9][a-z0-9_-]{0,63}$`.
public struct ProductID: Identifier, Comparable {
    public let rawValue: String

    public static let rule = "1 to 64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit"

    /// - Parameter field: the name the caller knows the value by, used in the error message.
    public init(validating value: String, field: String = "product") throws(HeraldError) {
        guard isSlug(value) else {
            throw .invalidIdentifier(.product, field: field, value: value, rule: Self.rule)
        }
        rawValue = value
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A channel's id within its product, such as `stable` or `eric_pickles`: the same rule as a product id.
public struct ChannelID: Identifier, Comparable {
    public let rawValue: String

    public static let rule = ProductID.rule

    public static let stable = ChannelID(trusted: "stable")
    public static let beta = ChannelID(trusted: "beta")
    public static let development = ChannelID(trusted: "development")

    /// - Parameter field: the name the caller knows the value by, used in the error message.
    public init(validating value: String, field: String = "channel") throws(HeraldError) {
        guard isSlug(value) else {
            throw .invalidIdentifier(.channel, field: field, value: value, rule: Self.rule)
        }
        rawValue = value
    }

    private init(trusted value: String) { rawValue = value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Names the HTTP API uses under `/api/v1/{product}/` for itself, which a channel cannot
    /// have (the server refuses to start if a route adds one that is missing here), and the
    /// names a GoUpdate repository uses beside its channels' (`files/`, `index.json`,
    /// `channels.json`).
    public static let reservedIDs: Set<String> = [
        "builds", "extensions", "history", "messages", "plan", "publish", "settings", "stats", "files", "index", "channels", "outcomes", "canaries", "explain", "webhooks",
    ]

    /// Refuses a new channel whose id the HTTP API needs for itself.
    public func ensureIsFree() throws(HeraldError) {
        if Self.reservedIDs.contains(rawValue) {
            throw .invalidInput("channel id '\(rawValue)' is reserved by the HTTP API; choose another")
        }
    }
}

/// A build's version string as the vendor wrote it, such as `5.0.1` or `2.1-beta3`.
///
/// Equality is textual (`1.0` and `1.0.0` are different versions); ordering is PHP's
/// `version_compare()`, see ``VersionOrder``.
public struct Version: Identifier {
    public let rawValue: String

    public static let rule = "1 to 64 characters of 0-9, A-Z, a-z, '.', '+', '_' and '-', starting with a letter or digit"

    /// - Parameter field: the name the caller knows the value by, used in the error message.
    public init(validating value: String, field: String = "version") throws(HeraldError) {
        let bytes = Array(value.utf8)
        guard (1...64).contains(bytes.count), isAlphanumeric(bytes[0]),
            bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else {
            throw .invalidIdentifier(.version, field: field, value: value, rule: Self.rule)
        }
        rawValue = value
    }


    /// True when this version is newer than `other` in `version_compare()` order.
    public func isNewer(than other: Version) -> Bool {
        VersionOrder.compare(rawValue, other.rawValue) > 0
    }
}

/// A build's identity: the lowercase hex SHA-256 of the uploaded file, 64 characters.
public struct BuildHash: Identifier, Comparable {
    public let rawValue: String

    public static let rule = "64 lowercase hexadecimal characters (the SHA-256 of the file)"

    public init(validating value: String, field: String = "hash") throws(HeraldError) {
        guard value.utf8.count == 64, value.utf8.allSatisfy(isLowercaseHex) else {
            throw .invalidIdentifier(.hash, field: field, value: value, rule: Self.rule)
        }
        rawValue = value
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How a request names a build: its full hash or a prefix of at least 12 characters, which
/// the store resolves only when exactly one build matches.
public struct BuildReference: Identifier {
    public let rawValue: String

    public static let rule = "12 to 64 lowercase hexadecimal characters (the build's SHA-256 or a prefix of it)"

    public init(validating value: String, field: String = "hash") throws(HeraldError) {
        guard (12...64).contains(value.utf8.count), value.utf8.allSatisfy(isLowercaseHex) else {
            throw .invalidIdentifier(.hash, field: field, value: value, rule: Self.rule)
        }
        rawValue = value
    }

    /// The full hash, when the reference is not a prefix.
    public var fullHash: BuildHash? { try? BuildHash(validating: rawValue) }

}

/// The name a build's file is downloaded as, such as `private_blog.zip`; never a path.
public struct FileName: Identifier {
    public let rawValue: String

    public static let rule = "1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-', not starting with '.'"

    public init(validating value: String, field: String = "file_name") throws(HeraldError) {
        let bytes = Array(value.utf8)
        guard (1...128).contains(bytes.count), bytes[0] != UInt8(ascii: "."),
            bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else {
            throw .invalidIdentifier(.fileName, field: field, value: value, rule: Self.rule)
        }
        rawValue = value
    }

}

/// `^[a-z0-9][a-z0-9_-]{0,63}$`
private func isSlug(_ value: String) -> Bool {
    let bytes = Array(value.utf8)
    guard (1...64).contains(bytes.count), isLowercaseAlphanumeric(bytes[0]) else { return false }
    return bytes.allSatisfy { isLowercaseAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
}

private func isLowercaseAlphanumeric(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || isDigit(byte)
}

private func isLowercaseHex(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) || isDigit(byte)
}
