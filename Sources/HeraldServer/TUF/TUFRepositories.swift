import Crypto
import Foundation
import HeraldCore
import HeraldFormats
import HeraldStore

/// The TUF repository of each app product (`/tuf/{product}/`), kept up to date as it is read.
///
/// `herald tuf init` makes the keys and the first root; the root key stays with the vendor.
/// Herald holds the targets, snapshot and timestamp keys and signs new versions of those
/// roles whenever what they say changes (a publish, a removal, a channel move, a new
/// platform file), their key changes (a root that rotated them), or half their lifetime has
/// passed. Versions only grow: each is stored, and written only if no other instance wrote
/// that role's next version first.
///
/// Channels are target paths: `{channel}/{platform}` is the file the channel's build has for
/// the platform, and `{channel}/build` the build's own file; each target's `custom` names the
/// version, file name and build. A customer channel is never listed.
struct TUFRepositories: Sendable {
    let store: any Store
    let snapshots: CatalogSnapshots
    /// Milliseconds.
    let timestampLifetime: Int64

    static let targetsLifetime: Int64 = 30 * 86_400_000
    static let snapshotLifetime: Int64 = 7 * 86_400_000

    /// The newest metadata of every role, signing what is due first.
    func current(_ snapshot: CatalogSnapshot) async throws -> [String: TUFRecord] {
        // Kept per catalog revision, per eighth of the timestamp's lifetime and per root: a
        // root signed elsewhere (`herald tuf root`, with new online keys) is followed at once,
        // never answered with metadata signed by the keys it replaced.
        let slot = currentTimeMillis() / max(1, timestampLifetime / 8)
        let root = try await store.latestTUFRootVersion(of: snapshot.product.id) ?? 0
        return try await snapshots.derived("tuf:\(slot):\(root)", of: snapshot) { try await refresh(snapshot) }
    }

    private func refresh(_ snapshot: CatalogSnapshot) async throws -> [String: TUFRecord] {
        let product = snapshot.product.id
        let keys = try await store.tufKeys(of: product)
        guard keys["root"] != nil, let targetsKey = keys["targets"], let snapshotKey = keys["snapshot"], let timestampKey = keys["timestamp"]
        else {
            throw HeraldError.notInRepository("TUF metadata (run herald tuf init \(product))", of: product)
        }
        let targets = Self.targets(try await AppReleases.current(snapshot, snapshots: snapshots, store: store))
        // The catalog revision it was made from leads: an instance whose catalog is behind
        // another's never signs its older targets over newer ones.
        let targetsContent = "\(snapshot.revision) \(SHA256.hash(data: targets.bytes).hexString)"
        for _ in 0..<5 {
            let latest = try await store.latestTUFRecords(of: product)
            let now = currentTimeMillis()
            if let last = latest["targets"], let signedFrom = Int64(last.content.prefix { $0 != " " }), signedFrom > snapshot.revision {
                return latest
            }
            var records: [TUFRecord] = []
            var versions: [String: Int64] = [:]
            func update(_ role: String, key: TUFKey, content: String, lifetime: Int64, signed: (Int64, Int64) -> CanonicalJSON) throws {
                let last = latest[role]
                versions[role] = last?.version ?? 0
                // Targets compare by what they list, not by the revision they were made from.
                let same = role == "targets" ? last?.content.drop { $0 != " " } == content.drop { $0 != " " } : last?.content == content
                if let last, same, last.keyID == key.keyID, last.expiresAt - now > lifetime / 2 { return }
                let version = (last?.version ?? 0) + 1
                let expires = (now + lifetime) / 1000 * 1000
                let body = try TUFMetadata.document(signed(version, expires), signers: [(key.keyID, try TUFMetadata.privateKey(key))])
                records.append(TUFRecord(role: role, version: version, body: body, content: content, keyID: key.keyID, expiresAt: expires))
                versions[role] = version
            }
            try update("targets", key: targetsKey, content: targetsContent, lifetime: Self.targetsLifetime) {
                TUFMetadata.targets(version: $0, expires: $1, targets: targets)
            }
            let targetsVersion = versions["targets"] ?? 0
            try update("snapshot", key: snapshotKey, content: "targets:\(targetsVersion)", lifetime: Self.snapshotLifetime) {
                TUFMetadata.snapshot(version: $0, expires: $1, targetsVersion: targetsVersion)
            }
            let snapshotVersion = versions["snapshot"] ?? 0
            try update("timestamp", key: timestampKey, content: "snapshot:\(snapshotVersion)", lifetime: timestampLifetime) {
                TUFMetadata.timestamp(version: $0, expires: $1, snapshotVersion: snapshotVersion)
            }
            if records.isEmpty { return latest }
            let expected = Dictionary(uniqueKeysWithValues: ["targets", "snapshot", "timestamp"].map { ($0, latest[$0]?.version) })
            let keyIDs = ["targets": targetsKey.keyID, "snapshot": snapshotKey.keyID, "timestamp": timestampKey.keyID]
            if try await store.saveTUF(product, keys: [], records: records, expecting: expected, expectingKeys: keyIDs) {
                var merged = latest
                for record in records { merged[record.role] = record }
                return merged
            }
        }
        throw HeraldError.busy("the TUF metadata of '\(product)' is being written by another instance; try again")
    }

    /// The blobs the current targets list: the only files `/tuf/{product}/targets/` serves.
    func targetBlobs(_ snapshot: CatalogSnapshot) async throws -> Set<BuildHash> {
        let releases = try await AppReleases.current(snapshot, snapshots: snapshots, store: store)
        return Set(releases.releases.values.flatMap { [$0.build.hash] + $0.artifacts.map(\.blob) })
    }

    /// The targets of every public channel: its build's file and each of its platform files.
    static func targets(_ releases: AppReleases) -> CanonicalJSON {
        var targets: [String: CanonicalJSON] = [:]
        for (channel, release) in releases.releases {
            let build = release.build
            func custom(_ fileName: FileName) -> CanonicalJSON {
                ["version": .string(build.version.rawValue), "file_name": .string(fileName.rawValue), "build": .string(build.hash.rawValue)]
            }
            targets["\(channel)/build"] = [
                "length": .integer(build.size), "hashes": ["sha256": .string(build.hash.rawValue)], "custom": custom(build.fileName),
            ]
            for artifact in release.artifacts {
                targets["\(channel)/\(artifact.platform)"] = [
                    "length": .integer(artifact.size), "hashes": ["sha256": .string(artifact.blob.rawValue)],
                    "custom": custom(artifact.fileName),
                ]
            }
        }
        return .object(targets)
    }
}
