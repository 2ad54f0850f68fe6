import Foundation
import HeraldCore
import HeraldFormats
import HeraldStore

/// What the product page shows: its channels (what each serves and how, a running rollout,
/// bound licenses), its builds a page at a time with what removing each would do, and the
/// choices of the upload and new-channel forms. It reads one page of builds, never all of them.
struct ProductPage {
    let store: any Store
    let snapshot: CatalogSnapshot
    let query: RequestFields

    func values() async throws -> [String: Any] {
        let product = snapshot.product
        let search = (query["q"] ?? "").trimmingWhitespace()
        let perPage = ConsoleText.buildsPerPage
        let requested = max(1, Int(query["page"] ?? "") ?? 1)
        var (builds, total) = try await store.buildPage(
            of: product.id, versionContaining: search, limit: perPage, offset: (min(requested, 100_000) - 1) * perPage)
        let pages = max(1, (total + perPage - 1) / perPage)
        let page = min(requested, pages)
        if page != requested {
            builds = try await store.buildPage(of: product.id, versionContaining: search, limit: perPage, offset: (page - 1) * perPage).builds
        }
        let newest = page == 1 && search.isEmpty ? builds : try await store.buildPage(of: product.id, versionContaining: nil, limit: perPage, offset: 0).builds
        var byHash = snapshot.builds
        for build in builds + newest { byHash[build.hash] = build }
        func label(_ hash: BuildHash) -> String { byHash[hash].map(ConsoleText.label) ?? String(hash.rawValue.prefix(8)) }

        let bound = try await boundLicenses()
        let sortedChannels = snapshot.channels.values.sorted { $0.id < $1.id }
        let channels = sortedChannels.map { channel -> [String: Any] in
            var row: [String: Any] = [
                "id": channel.id.rawValue, "product": product.id.rawValue, "name": channel.name,
                "served": ((try? snapshot.servingChannel(for: channel.id))?.ownServedBuild).map(label) ?? "nothing",
                "how": Self.how(channel),
            ]
            if let rollout = snapshot.rollouts[channel.id] { row["rollout"] = "\(rollout.percentage)%\(rollout.paused ? " (paused)" : "")" }
            if let count = bound[channel.id] { row["licenses"] = "\(count)" }
            return row
        }
        // The two selects of channels, 200 options each on a large product, are written here
        // once, escaped, rather than walked by the template twice.
        func options(_ channels: [Channel]) -> String {
            channels.map { "<option value=\"\($0.id)\">\(ReadmeHTML.escape($0.name)) (\($0.id))</option>" }.joined()
        }
        let effects = try await removalEffects(of: Set(builds.map(\.hash)), channels: sortedChannels, label: label)
        let rows = builds.map { build -> [String: Any] in
            let name = ConsoleText.label(build)
            let what = effects[build.hash].map { "Remove \(name)? " + $0.joined(separator: "; ") + "." } ?? "Remove \(name)? No channel serves it."
            return [
                "hash": build.hash.rawValue, "short": String(build.hash.rawValue.prefix(12)), "version": build.version.rawValue,
                "channel": build.channel.rawValue, "size": Self.size(build.size),
                "builder": [build.builder.name, build.builder.version].compactMap { $0 }.joined(separator: " "),
                "uploader": build.uploadedBy ?? "unknown", "uploaded": ConsoleText.time(build.timestamp), "confirm": what,
                "yanked": build.yank.map { "Yanked \(ConsoleText.time($0.at)) by \($0.by): \($0.reason)" } ?? false,
            ]
        }
        func link(_ page: Int) -> String {
            var items = [URLQueryItem(name: "page", value: String(page))]
            if !search.isEmpty { items.insert(URLQueryItem(name: "q", value: search), at: 0) }
            var components = URLComponents()
            components.queryItems = items
            return "/admin/products/\(product.id)\(components.string ?? "")#builds"
        }
        var values: [String: Any] = [
            "kind": product.kind.rawValue, "premium": product.premium, "hidden": product.hidden, "channels": channels, "builds": rows,
            "uploadOptions": options(sortedChannels.filter { $0.aliasFor == nil }), "aliasOptions": options(sortedChannels),
            "followable": newest.map { build in
                ["hash": build.hash.rawValue, "short": String(build.hash.rawValue.prefix(8)), "version": build.version.rawValue, "channel": build.channel.rawValue]
            },
            "page": page, "pages": pages, "total": total, "name": product.name, "homepage": product.homepage ?? "",
            "description": product.description ?? "", "autoDeploy": try await store.autoDeploy(of: product.id),
        ]
        if !search.isEmpty { values["query"] = search }
        if page > 1 { values["previous"] = link(page - 1) }
        if page < pages { values["next"] = link(page + 1) }
        return values
    }

    /// How many licenses are bound to each of the product's customer channels.
    private func boundLicenses() async throws -> [ChannelID: Int] {
        var counts: [ChannelID: Int] = [:]
        for license in try await store.licenses() {
            if let channel = license.channels[snapshot.product.id] { counts[channel, default: 0] += 1 }
        }
        return counts
    }

    /// For each of `shown` that a channel serves, what removing it does, in words: which
    /// channels fall back to what (``ChannelHistory/fallback(for:removing:moves:existing:)``,
    /// as the removal itself decides).
    private func removalEffects(
        of shown: Set<BuildHash>, channels: [Channel], label: (BuildHash) -> String
    ) async throws -> [BuildHash: [String]] {
        var pointing: [(channel: Channel, pointer: ChannelMove.Pointer, build: BuildHash)] = []
        for channel in channels {
            if let latest = channel.latestBuild, shown.contains(latest) { pointing.append((channel, .latest, latest)) }
            if let pin = channel.activeBuild, shown.contains(pin) { pointing.append((channel, .active, pin)) }
        }
        var histories: [ChannelID: [ChannelMove]] = [:]
        for channel in Set(pointing.map(\.channel.id)) {
            histories[channel] = try await store.history(of: channel, of: snapshot.product.id)
        }
        let mentioned = Set(histories.values.flatMap { $0.flatMap { [$0.from, $0.to].compactMap { $0 } } })
        let existing = try await store.existingBuilds(among: mentioned)
        var effects: [BuildHash: [String]] = [:]
        for (channel, pointer, build) in pointing {
            var remaining = existing
            remaining.remove(build)
            let fallback = ChannelHistory.fallback(for: pointer, removing: build, moves: histories[channel.id] ?? [], existing: remaining)
            let what = pointer == .active ? "\(channel.id)'s pin" : "\(channel.id)"
            effects[build, default: []].append("\(what) falls back to \(fallback.map(label) ?? (pointer == .active ? "no pin" : "nothing"))")
        }
        return effects
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
