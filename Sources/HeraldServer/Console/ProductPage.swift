import Foundation
import HeraldCore
import HeraldStore

/// What the product page shows: its channels (what each serves and how, a running rollout,
/// bound licenses), its builds a page at a time with what removing each would do, and the
/// choices of the upload and new-channel forms.
struct ProductPage {
    let store: any Store
    let snapshot: CatalogSnapshot
    let query: RequestFields

    func values() async throws -> [String: Any] {
        let product = snapshot.product
        let builds = try await store.builds(of: product.id)
        let byHash = Dictionary(builds.map { ($0.hash, $0) }, uniquingKeysWith: { first, _ in first })
        let bound = try await boundLicenses()
        let channels = snapshot.channels.values.sorted { $0.id < $1.id }.map { channel -> [String: Any] in
            let served = (try? snapshot.servingChannel(for: channel.id))?.ownServedBuild
            return [
                "id": channel.id.rawValue, "product": product.id.rawValue, "name": channel.name, "alias": channel.aliasFor != nil,
                "served": served.map { hash in byHash[hash].map(ConsoleText.label) ?? String(hash.rawValue.prefix(8)) }
                    ?? "nothing",
                "how": Self.how(channel),
                "rollout": snapshot.rollouts[channel.id].map { "\($0.percentage)%\($0.paused ? " (paused)" : "")" } ?? "",
                "licenses": bound[channel.id].map { "\($0)" } ?? "",
            ]
        }
        let search = (query["q"] ?? "").trimmingWhitespace()
        let matching = search.isEmpty ? builds : builds.filter { $0.version.rawValue.localizedCaseInsensitiveContains(search) }
        let perPage = ConsoleText.buildsPerPage
        let pages = max(1, (matching.count + perPage - 1) / perPage)
        let page = min(max(1, Int(query["page"] ?? "") ?? 1), pages)
        let shown = matching.dropFirst((page - 1) * perPage).prefix(perPage)
        var rows: [[String: Any]] = []
        for build in shown {
            rows.append([
                "hash": build.hash.rawValue, "short": String(build.hash.rawValue.prefix(12)), "version": build.version.rawValue,
                "channel": build.channel.rawValue, "size": Self.size(build.size),
                "builder": [build.builder.name, build.builder.version].compactMap { $0 }.joined(separator: " "),
                "uploader": build.uploadedBy ?? "unknown", "uploaded": ConsoleText.time(build.timestamp),
                "confirm": try await removalConfirmation(of: build, existing: Set(byHash.keys), byHash: byHash),
            ])
        }
        func link(_ page: Int) -> String {
            var items = [URLQueryItem(name: "page", value: String(page))]
            if !search.isEmpty { items.insert(URLQueryItem(name: "q", value: search), at: 0) }
            var components = URLComponents()
            components.queryItems = items
            return "/admin/products/\(product.id)\(components.string ?? "")#builds"
        }
        return [
            "kind": product.kind.rawValue, "premium": product.premium, "hidden": product.hidden, "channels": channels, "builds": rows,
            "followable": builds.prefix(200).map { build in
                ["hash": build.hash.rawValue, "short": String(build.hash.rawValue.prefix(8)), "version": build.version.rawValue, "channel": build.channel.rawValue]
            },
            "query": search, "page": page, "pages": pages, "total": matching.count,
            "previous": page > 1 ? link(page - 1) : "", "next": page < pages ? link(page + 1) : "",
        ]
    }

    /// How many licenses are bound to each of the product's customer channels.
    private func boundLicenses() async throws -> [ChannelID: Int] {
        var counts: [ChannelID: Int] = [:]
        for license in try await store.licenses() {
            if let channel = license.channels[snapshot.product.id] { counts[channel, default: 0] += 1 }
        }
        return counts
    }

    /// What removing `build` does, in words: which channels fall back to what.
    private func removalConfirmation(of build: Build, existing: Set<BuildHash>, byHash: [BuildHash: Build]) async throws -> String {
        var remaining = existing
        remaining.remove(build.hash)
        var effects: [String] = []
        for channel in snapshot.channels.values.sorted(by: { $0.id < $1.id }) {
            let pointers = [(ChannelMove.Pointer.latest, channel.latestBuild), (.active, channel.activeBuild)].filter { $0.1 == build.hash }
            guard !pointers.isEmpty else { continue }
            let moves = try await store.history(of: channel.id, of: snapshot.product.id)
            for (pointer, _) in pointers {
                let fallback = ChannelHistory.fallback(for: pointer, removing: build.hash, moves: moves, existing: remaining)
                let target = fallback.map { byHash[$0].map(ConsoleText.label) ?? String($0.rawValue.prefix(8)) }
                let what = pointer == .active ? "\(channel.id)'s pin" : "\(channel.id)"
                effects.append("\(what) falls back to \(target ?? (pointer == .active ? "no pin" : "nothing"))")
            }
        }
        let name = ConsoleText.label(build)
        return effects.isEmpty ? "Remove \(name)? No channel serves it." : "Remove \(name)? " + effects.joined(separator: "; ") + "."
    }

    static func how(_ channel: Channel) -> String {
        if let target = channel.aliasFor { return "alias for \(target)" }
        var parts: [String] = [channel.isCore ? "core" : channel.isCustom ? "customer channel" : "channel"]
        if channel.isPinned { parts.append("pinned") }
        return parts.joined(separator: ", ")
    }

    static func size(_ bytes: Int64) -> String {
        bytes < 1024 ? "\(bytes) B" : bytes < 1 << 20 ? "\(bytes / 1024) KiB" : String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}
