import HeraldCore
import SQLKit

extension Store {
    /// Removes a build, in one transaction, and returns it.
    ///
    /// Every channel that pointed at it, as latest or as pin, falls back to the build it
    /// pointed at before (``ChannelHistory/fallback(for:removing:moves:existing:)``), and each
    /// such move is recorded. Of two concurrent removals of one build, one succeeds and the
    /// other finds no build (`unknown_build`).
    ///
    /// > Warning: Delete the blob afterwards; the store does not know the blob store.
    public func removeBuild(_ hash: BuildHash, actor: String) async throws -> Build {
        try await withTransaction { database in
            guard
                let build = try await database.select().column("*").from("builds")
                    .where("hash", .equal, hash.rawValue).for(.update).first().map(Build.init(row:))
            else {
                throw HeraldError.unknownBuild(hash.rawValue)
            }
            _ = try await database.select().column("id").from("products")
                .where("id", .equal, build.product.rawValue).for(.update).first()
            let existing = Set(
                try await database.select().column("hash").from("builds")
                    .where("product_id", .equal, build.product.rawValue)
                    .where("hash", .notEqual, hash.rawValue)
                    .all()
                    .map { try BuildHash(validating: try $0.decode(column: "hash", as: String.self)) })
            let now = currentTimeMillis()
            for channel in try await lockChannels(of: build.product, in: database)
            where channel.latestBuild == hash || channel.activeBuild == hash {
                let moves = try await history(of: channel, in: database)
                for pointer in [ChannelMove.Pointer.latest, .active] {
                    let current = pointer == .latest ? channel.latestBuild : channel.activeBuild
                    guard current == hash else { continue }
                    let fallback = ChannelHistory.fallback(for: pointer, removing: hash, moves: moves, existing: existing)
                    try await movePointer(
                        pointer, of: channel, from: hash, to: fallback, reason: .removal, actor: actor, at: now, in: database)
                }
            }
            try await database.delete(from: "builds").where("hash", .equal, hash.rawValue).run()
            return build
        }
    }
}
