import Foundation
import HeraldCore
import HeraldStore

/// What an app's public channels serve desktop updaters, with each build's platform files:
/// the one model Sparkle's appcast, electron-updater's YAML and Tauri's JSON are written from.
///
/// Each channel serves what ``CatalogSnapshot/decide(_:)`` serves a client that names only
/// the channel. A running staged rollout is listed beside it, for the feeds whose clients
/// stage updates themselves (Sparkle's phased rollout, electron-updater's staging percentage).
struct AppReleases: Sendable {
    struct Release: Sendable {
        let channel: Channel
        let build: Build
        let artifacts: [Artifact]
    }

    struct StagedRelease: Sendable {
        let release: Release
        let rollout: Rollout
    }

    let product: Product
    /// Public channels by id: a customer channel is its licenses' alone.
    let releases: [ChannelID: Release]
    let rollouts: [ChannelID: StagedRelease]

    /// The snapshot of the app `id`, which must be public: desktop updaters send no license.
    static func publicApp(_ id: ProductID, in snapshots: CatalogSnapshots) async throws -> CatalogSnapshot {
        guard let snapshot = try await snapshots.snapshot(of: id) else { throw HeraldError.unknownProduct(id) }
        guard snapshot.product.kind == .app else { throw HeraldError.notAnApp(id) }
        if snapshot.product.premium { throw HeraldError.licenseRequired(id) }
        return snapshot
    }

    /// The releases of the app of `snapshot`, kept with the snapshot's catalog revision.
    static func current(_ snapshot: CatalogSnapshot, snapshots: CatalogSnapshots, store: any Store) async throws -> AppReleases {
        try await snapshots.derived("app-releases", of: snapshot) {
            try await load(snapshot, store: store, now: currentTimeMillis())
        }
    }

    /// The releases of the app of `snapshot`, read from the store.
    static func load(_ snapshot: CatalogSnapshot, store: any Store, now: Int64) async throws -> AppReleases {
        var releases: [ChannelID: Release] = [:]
        var rollouts: [ChannelID: StagedRelease] = [:]
        var served: [(Channel, Build, Rollout?, Build?)] = []
        for channel in snapshot.channels.values where !snapshot.customerChannels.contains(channel.id) {
            let decision = try snapshot.decide(SiteQuestion(channel: channel.id, now: now))
            guard let build = decision.build else { continue }
            // A rollout at 0% is its canaries' alone: feeds, which name no site, do not list it.
            let rollout = snapshot.rollouts[decision.servingChannel].flatMap { $0.paused || $0.basisPoints == 0 ? nil : $0 }
            let staged = rollout.flatMap { snapshot.builds[$0.build] }.flatMap { $0.hash == build.hash ? nil : $0 }
            served.append((channel, build, rollout, staged))
        }
        let hashes = Set(served.flatMap { [$0.1.hash] + ($0.3.map { [$0.hash] } ?? []) })
        let artifacts = try await store.artifacts(of: hashes.sorted { $0.rawValue < $1.rawValue })
        for (channel, build, rollout, staged) in served {
            releases[channel.id] = Release(channel: channel, build: build, artifacts: artifacts[build.hash] ?? [])
            if let rollout, let staged {
                rollouts[channel.id] = StagedRelease(
                    release: Release(channel: channel, build: staged, artifacts: artifacts[staged.hash] ?? []), rollout: rollout)
            }
        }
        return AppReleases(product: snapshot.product, releases: releases, rollouts: rollouts)
    }

    /// The channel a feed names: `latest` is electron-builder's and Tauri's name for stable.
    func release(named name: String) throws -> Release {
        let id = try ChannelID(validating: name == "latest" ? "stable" : name)
        guard let release = releases[id] else { throw HeraldError.unknownChannel(id, of: product.id) }
        return release
    }
}

extension Date {
    /// `2026-11-28T10:00:00.000Z`, as electron-builder writes `releaseDate`.
    static func iso8601Milliseconds(_ millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
