import HeraldCore
import HeraldStore
import Hummingbird

/// What a channel's page shows: what it serves, its history with a rollback or a pin for each
/// move, its alias, and its staged rollout.
struct ChannelPage {
    let store: any Store
    let snapshot: CatalogSnapshot
    let channel: ChannelID

    func values() async throws -> [String: Any] {
        let product = snapshot.product.id
        guard let current = snapshot.channels[channel] else { throw HeraldError.unknownChannel(channel, of: product) }
        let builds = try await store.builds(of: product, limit: 200)
        var byHash = Dictionary(builds.map { ($0.hash, $0) }, uniquingKeysWith: { first, _ in first })
        byHash.merge(snapshot.builds) { kept, _ in kept }
        func label(_ hash: BuildHash?) -> String {
            guard let hash else { return "nothing" }
            return byHash[hash].map(ConsoleText.label) ?? String(hash.rawValue.prefix(8))
        }
        let moves = try await store.history(of: channel, of: product)
        let undo = ChannelHistory.moveToUndo(in: moves)
        let rows = moves.reversed().map { move -> [String: Any] in
            let canPin = move != undo && move.pointer == .latest && move.from.map { byHash[$0] != nil } == true
            var row: [String: Any] = [
                "at": ConsoleText.time(move.at), "pointer": move.pointer == .active ? "pin" : "latest",
                "from": label(move.from), "to": label(move.to), "reason": move.reason.rawValue, "actor": move.actor,
                "product": product.rawValue, "channel": channel.rawValue, "undo": move == undo,
            ]
            // A section opens for any string, even empty: the key is there only when it applies.
            if canPin, let from = move.from { row["pinFrom"] = from.rawValue }
            return row
        }
        let served = (try? snapshot.servingChannel(for: channel))?.ownServedBuild
        let bound = try await store.licenseIDs(boundTo: channel, of: product)
        var values: [String: Any] = [
            "product": product.rawValue, "id": channel.rawValue, "served": label(served), "how": ProductPage.how(current),
            "pinned": current.isPinned, "isCore": current.isCore, "moves": rows,
            "others": snapshot.channels.keys.filter { $0 != channel }.sorted().map { ["id": $0.rawValue, "selected": $0 == current.aliasFor] },
            "builds": builds.map { ["hash": $0.hash.rawValue, "short": String($0.hash.rawValue.prefix(8)), "version": $0.version.rawValue] },
            "percent": "10",
        ]
        if !bound.isEmpty { values["licenses"] = "\(bound.count) license(s)" }
        // What a rollout is judged by: how many sites run each version now.
        let today = currentTimeMillis() / 86_400_000
        let running = try await store.installStatistics(of: product, from: today - 29, to: today).versions
        values["running"] = running.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key > $1.key }.prefix(10)
            .map { ["version": $0.key, "sites": $0.value] }
        if let rollout = snapshot.rollouts[channel] {
            var shown: [String: Any] = ["build": label(rollout.build), "share": "\(rollout.percentage)%", "paused": rollout.paused]
            if let halting = rollout.halting {
                shown["guard"] = "halts by itself after \(halting.minimumReports) reports failing more often than the served build's by over \(Double(halting.margin) / 100) points"
            }
            if let reason = rollout.haltReason { shown["halt"] = reason }
            values["rollout"] = shown
            values["percent"] = rollout.percentage
        }
        return values
    }
}
