import Crypto
import Foundation
import HeraldCore
import HeraldFormats
import HeraldStore

/// TUF's metadata documents (specification 1.0), signed with Ed25519 over their canonical
/// JSON, as python-tuf reads and checks them.
enum TUFMetadata {
    static let specVersion = "1.0.31"
    static let roles = ["root", "targets", "snapshot", "timestamp"]

    /// A fresh Ed25519 key for `role`; the private half as base64 raw bytes.
    static func newKey(role: String) -> TUFKey {
        let key = Curve25519.Signing.PrivateKey()
        let publicHex = key.publicKey.rawRepresentation.hexString
        return TUFKey(role: role, keyID: keyID(publicHex: publicHex), publicKey: publicHex, privateKey: key.rawRepresentation.base64EncodedString())
    }

    /// The key as TUF lists it in root.
    static func keyObject(publicHex: String) -> CanonicalJSON {
        ["keytype": "ed25519", "scheme": "ed25519", "keyval": ["public": .string(publicHex)]]
    }

    /// The SHA-256 of the key's canonical JSON, hex: its key id.
    static func keyID(publicHex: String) -> String {
        SHA256.hash(data: keyObject(publicHex: publicHex).bytes).hexString
    }

    static func privateKey(_ key: TUFKey) throws -> Curve25519.Signing.PrivateKey {
        guard let text = key.privateKey, let raw = Data(base64Encoded: text) else {
            throw HeraldError.invalidInput("the \(key.role) key of this TUF repository is kept offline")
        }
        return try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    /// TUF's time format, whole seconds in UTC.
    static func time(_ millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis / 1000)))
    }

    /// The metadata file: `signed` and its signatures by `signers`.
    static func document(_ signed: CanonicalJSON, signers: [(keyID: String, key: Curve25519.Signing.PrivateKey)]) throws -> String {
        let bytes = Data(signed.bytes)
        let signatures = try signers.map { signer -> CanonicalJSON in
            ["keyid": .string(signer.keyID), "sig": .string(try signer.key.signature(for: bytes).hexString)]
        }
        return String(decoding: CanonicalJSON.object(["signed": signed, "signatures": .array(signatures)]).bytes, as: UTF8.self)
    }

    /// root's `signed`: every role's one key, threshold 1, consistent snapshots.
    static func root(version: Int64, expires: Int64, keys: [String: TUFKey]) -> CanonicalJSON {
        var keyObjects: [String: CanonicalJSON] = [:]
        var roleObjects: [String: CanonicalJSON] = [:]
        for role in roles {
            guard let key = keys[role] else { continue }
            keyObjects[key.keyID] = keyObject(publicHex: key.publicKey)
            roleObjects[role] = ["keyids": [.string(key.keyID)], "threshold": 1]
        }
        return [
            "_type": "root", "spec_version": .string(specVersion), "version": .integer(version), "expires": .string(time(expires)),
            "consistent_snapshot": .bool(true), "keys": .object(keyObjects), "roles": .object(roleObjects),
        ]
    }

    static func targets(version: Int64, expires: Int64, targets: CanonicalJSON) -> CanonicalJSON {
        [
            "_type": "targets", "spec_version": .string(specVersion), "version": .integer(version), "expires": .string(time(expires)),
            "targets": targets,
        ]
    }

    static func snapshot(version: Int64, expires: Int64, targetsVersion: Int64) -> CanonicalJSON {
        [
            "_type": "snapshot", "spec_version": .string(specVersion), "version": .integer(version), "expires": .string(time(expires)),
            "meta": ["targets.json": ["version": .integer(targetsVersion)]],
        ]
    }

    static func timestamp(version: Int64, expires: Int64, snapshotVersion: Int64) -> CanonicalJSON {
        [
            "_type": "timestamp", "spec_version": .string(specVersion), "version": .integer(version), "expires": .string(time(expires)),
            "meta": ["snapshot.json": ["version": .integer(snapshotVersion)]],
        ]
    }
}
