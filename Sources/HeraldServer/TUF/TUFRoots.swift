import Crypto
import Foundation
import HeraldCore
import HeraldStore

/// The root role of a product's TUF repository, which only the vendor's offline root key
/// signs: `herald tuf init` makes it, `herald tuf root` makes its next version (a new
/// expiry, a new root key, new online keys).
public enum TUFRoots {
    /// Makes the repository of the app `product`: a root key, handed (base64) to `keep` for
    /// the vendor to keep offline before anything is stored (Herald keeps only its public
    /// half), online keys for targets, snapshot and timestamp, and root version 1, signed.
    /// `forget` is called when the repository could not be stored after all.
    public static func initialize(
        _ product: ProductID, store: any Store, expiresInDays days: Int, keep: (String) throws -> Void, forget: () -> Void
    ) async throws {
        guard let record = try await store.product(product) else { throw HeraldError.unknownProduct(product) }
        guard record.kind == .app else { throw HeraldError.notAnApp(product) }
        // Its feeds are not public: desktop updaters send no license.
        guard !record.premium else { throw HeraldError.licenseRequired(product) }
        guard try await store.tufKeys(of: product).isEmpty else {
            throw HeraldError.invalidInput("'\(product)' has a TUF repository already; `herald tuf root` makes its next root")
        }
        var keys = Dictionary(uniqueKeysWithValues: TUFMetadata.roles.map { ($0, TUFMetadata.newKey(role: $0)) })
        let rootPrivate = try TUFMetadata.privateKey(keys["root"]!)
        keys["root"]?.privateKey = nil
        let root = try rootRecord(version: 1, keys: keys, days: days, signers: [rootPrivate])
        try keep(rootPrivate.rawRepresentation.base64EncodedString())
        do {
            guard try await store.saveTUF(product, keys: Array(keys.values), records: [root], expecting: ["root": nil]) else {
                throw HeraldError.busy("another TUF repository of '\(product)' was made at the same time")
            }
        } catch {
            forget()
            throw error
        }
    }

    /// Makes the next root version, signed by the current root key (`rootKey`, base64) and,
    /// when `keepNewRootKey` is given, by a new root key handed to it (base64) before anything
    /// is stored, so clients trusting the current root trust the next. `rotateOnlineKeys`
    /// replaces the targets, snapshot and timestamp keys too, and those roles are signed
    /// again at the next request. `forget` is called when the root could not be stored.
    public static func update(
        _ product: ProductID, store: any Store, rootKey: String, keepNewRootKey: ((String) throws -> Void)?, rotateOnlineKeys: Bool,
        expiresInDays days: Int, forget: () -> Void
    ) async throws -> Int64 {
        var keys = try await store.tufKeys(of: product)
        guard let currentRoot = keys["root"], let latest = try await store.latestTUFRecords(of: product)["root"] else {
            throw HeraldError.invalidInput("'\(product)' has no TUF repository; `herald tuf init` makes one")
        }
        guard let raw = Data(base64Encoded: rootKey.trimmingCharacters(in: .whitespacesAndNewlines)),
            let oldPrivate = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw),
            oldPrivate.publicKey.rawRepresentation.hexString == currentRoot.publicKey
        else {
            throw HeraldError.invalidInput("the root key given is not the current root key of '\(product)'s TUF repository")
        }
        var signers = [(currentRoot.keyID, oldPrivate)]
        var changed: [TUFKey] = []
        var newPrivateText: String?
        if keepNewRootKey != nil {
            var fresh = TUFMetadata.newKey(role: "root")
            let newPrivate = try TUFMetadata.privateKey(fresh)
            newPrivateText = fresh.privateKey
            fresh.privateKey = nil
            keys["root"] = fresh
            changed.append(fresh)
            signers.append((fresh.keyID, newPrivate))
        }
        if rotateOnlineKeys {
            for role in ["targets", "snapshot", "timestamp"] {
                let fresh = TUFMetadata.newKey(role: role)
                keys[role] = fresh
                changed.append(fresh)
            }
        }
        let root = try rootRecord(version: latest.version + 1, keys: keys, days: days, signers: signers.map(\.1), keyIDs: signers.map(\.0))
        if let keepNewRootKey, let newPrivateText { try keepNewRootKey(newPrivateText) }
        do {
            // The root key checked again inside the transaction: two rotations at once must not
            // sign a root with a key the other one replaced.
            guard
                try await store.saveTUF(
                    product, keys: changed, records: [root], expecting: ["root": latest.version], expectingKeys: ["root": currentRoot.keyID])
            else {
                throw HeraldError.busy("the root of '\(product)' changed while this one was made; run the command again")
            }
        } catch {
            forget()
            throw error
        }
        return root.version
    }

    private static func rootRecord(
        version: Int64, keys: [String: TUFKey], days: Int, signers: [Curve25519.Signing.PrivateKey], keyIDs: [String]? = nil
    ) throws -> TUFRecord {
        guard (1...3650).contains(days) else { throw HeraldError.invalidInput("a root's lifetime is 1 to 3,650 days") }
        let expires = (currentTimeMillis() + Int64(days) * 86_400_000) / 1000 * 1000
        let signed = TUFMetadata.root(version: version, expires: expires, keys: keys)
        let ids = keyIDs ?? signers.map { TUFMetadata.keyID(publicHex: $0.publicKey.rawRepresentation.hexString) }
        let body = try TUFMetadata.document(signed, signers: Array(zip(ids, signers)).map { (keyID: $0.0, key: $0.1) })
        return TUFRecord(role: "root", version: version, body: body, content: "root", keyID: keys["root"]?.keyID ?? "", expiresAt: expires)
    }
}
