import Crypto
import Foundation
import HeraldCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
import HeraldFormats
#endif

/// The Ed25519 key Herald signs every package with, so that WordPress core itself verifies
/// what it installs: `verify_file_signature()` checks an Ed25519 signature over the raw
/// 48-byte SHA-384 digest of the downloaded file against the keys in `wp_trusted_keys`.
///
/// The key is made at first start and kept in the data folder as `signing-key.ed25519`
/// (base64, mode 0600) and in the database (``shared(dataDirectory:store:)``), so that every
/// instance on one database signs with it, whatever its data folder.
public struct PackageSigner: Sendable {
    /// The file name of the key, in the data folder.
    public static let fileName = "signing-key.ed25519"

    private let key: Curve25519.Signing.PrivateKey
    var signingKey: Curve25519.Signing.PrivateKey { key }

    /// The public key, base64: what a site adds to `wp_trusted_keys`.
    public var publicKey: String { key.publicKey.rawRepresentation.base64EncodedString() }

    /// The key of the data folder, made if it has none yet.
    public static func load(dataDirectory: String) throws -> PackageSigner {
        let path = dataDirectory + "/" + fileName
        if let existing = try read(path) { return existing }
        try place(Curve25519.Signing.PrivateKey(), at: path, dataDirectory: dataDirectory)
        guard let placed = try read(path) else { throw BlobStoreError(operation: "read", path: path, code: ENOENT) }
        return placed
    }

    /// Writes `key` to `path` unless a key is there already: under a temporary name, then
    /// linked into place, so that two instances starting at once end up with one key.
    private static func place(_ fresh: Curve25519.Signing.PrivateKey, at path: String, dataDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let temporary = path + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw BlobStoreError(operation: "create", path: temporary, code: errno) }
        defer { unlink(temporary) }
        let text = Array((fresh.rawRepresentation.base64EncodedString() + "\n").utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == text.count, synced == 0 else { throw BlobStoreError(operation: "write", path: temporary, code: errno) }
        // link() fails if another instance placed its key first; that key is then the one.
        if link(temporary, path) != 0 && errno != EEXIST {
            throw BlobStoreError(operation: "link", path: path, code: errno)
        }
    }

    /// The key every instance on `store`'s database signs with, so that sites trust answers
    /// from any of them: the one the database holds, or, the first time, this data folder's
    /// (or a new one), stored there for the others. A data folder without the key gets a copy;
    /// one whose key is another is refused, naming the file: sites would see two keys.
    ///
    /// Only a server makes the key: the other commands read it (``current(dataDirectory:store:)``).
    public static func shared(dataDirectory: String, store: any Store) async throws -> PackageSigner {
        let path = dataDirectory + "/" + fileName
        let local = try read(path)
        let proposed = (local?.key ?? Curve25519.Signing.PrivateKey()).rawRepresentation.hexString
        let key = try decode(try await store.serverSecret(named: secretName, proposing: proposed))
        if local == nil { try place(key, at: path, dataDirectory: dataDirectory) }
        // The file may have been placed by another instance starting at once: it must agree.
        guard let placed = try read(path), placed.key.rawRepresentation == key.rawRepresentation else {
            throw HeraldError.invalidInput(
                "\(path) holds a signing key other than the one every instance on this database signs with (public key \(key.publicKey.rawRepresentation.base64EncodedString())), which sites trust; keep a copy of the file and remove it to sign with the database's")
        }
        return placed
    }

    /// The key packages are signed with, for commands other than a server's: the database's,
    /// or before any server has run, the data folder's. Nothing is made or written.
    public static func current(dataDirectory: String, store: any Store) async throws -> PackageSigner {
        if let stored = try await store.existingServerSecret(named: secretName) { return PackageSigner(key: try decode(stored)) }
        if let local = try read(dataDirectory + "/" + fileName) { return local }
        throw HeraldError.invalidInput("there is no package signing key yet: herald serve makes it at its first start")
    }

    private static let secretName = "package_signing_key"

    private static func decode(_ stored: String) throws -> Curve25519.Signing.PrivateKey {
        guard let raw = Data(hexString: stored), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw HeraldError.invalidInput("the database's package signing key is not an Ed25519 private key")
        }
        return key
    }

    private static func read(_ path: String) throws -> PackageSigner? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingWhitespace()
        guard let raw = Data(base64Encoded: text), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw HeraldError.invalidInput("\(path) does not hold a base64 Ed25519 private key")
        }
        return PackageSigner(key: key)
    }

    /// A detached signature of `document`, base64: what `NAME.sig` holds for a signed
    /// GoUpdate document.
    public func sign(_ document: Data) throws -> String {
        try key.signature(for: document).base64EncodedString()
    }

    /// A detached signature of `bytes`, base64: an answer's `X-Herald-Signature`.
    public func sign<Bytes: Sequence>(bytes: Bytes) -> String where Bytes.Element == UInt8 {
        // Signing a byte string with a valid key cannot fail; BoringSSL reports no error for it.
        (try? key.signature(for: Data(bytes)).base64EncodedString()) ?? ""
    }

    /// The signature of a file, base64, from its hex SHA-384: the value of `X-Content-Signature`.
    public func signature(sha384 hex: String) throws -> String {
        guard let digest = Data(hexString: hex), digest.count == 48 else {
            throw HeraldError.invalidInput("a SHA-384 digest is 96 hex digits")
        }
        return try key.signature(for: digest).base64EncodedString()
    }
}

extension Data {
    /// Bytes from lowercase or uppercase hex; nil if `hexString` is not hex of whole bytes.
    public init?(hexString: String) {
        let digits = Array(hexString.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }
}
