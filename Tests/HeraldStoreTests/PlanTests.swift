import HeraldCore
import HeraldStore
import Testing

/// Seed 000's publish-all plan, on SQLite and on PostgreSQL.
@Suite("Release plan")
struct PlanTests {
    @Test("The plan follows the extensions' tags; a publish applies it once, a stale one is refused", arguments: DatabaseKind.available)
    func publishOnce(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            try await store.publish(try Fixture.build(1, channel: .development, version: "5.3.0"), actor: "ci")
            try await store.publish(try Fixture.build(2, channel: .development, version: "5.4.0"), actor: "ci")
            try await store.putExtension(
                ExtensionManifest(name: "Session Expiry", premium: true, beta: try VersionTag(validating: "5.3.x"), stable: nil),
                id: "session-expiry", of: Fixture.product)
            let (plan, version) = try await store.releasePlan(of: Fixture.product)
            let beta = try #require(plan.entries.first { $0.channel == .beta })
            #expect(beta.proposed?.version.rawValue == "5.3.0")
            let stable = try #require(plan.entries.first { $0.channel == .stable })
            #expect(stable.proposed == nil)
            #expect(stable.warnings.map(\.code) == ["missing_tag"])

            // Two publishes of the same plan at once: exactly one applies.
            async let first = try? store.publishPlan(of: Fixture.product, version: version, channels: [.beta], actor: "alice")
            async let second = try? store.publishPlan(of: Fixture.product, version: version, channels: [.beta], actor: "bob")
            let outcomes = await [first, second]
            #expect(outcomes.compactMap { $0 }.count == 1)
            let moves = try await store.history(of: .beta, of: Fixture.product)
            #expect(moves.count == 1)
            #expect(moves.first?.reason == .promotion)
            #expect(["alice", "bob"].contains(moves.first?.actor ?? ""))
            await #expect(throws: HeraldError.self) {
                try await store.publishPlan(of: Fixture.product, version: version, channels: [.beta], actor: "carol")
            }

            // Changing a tag changes the plan.
            let before = try await store.releasePlan(of: Fixture.product).version
            try await store.putExtension(
                ExtensionManifest(name: "Session Expiry", premium: true, beta: try VersionTag(validating: "5.4.x"), stable: nil),
                id: "session-expiry", of: Fixture.product)
            let (after, afterVersion) = try await store.releasePlan(of: Fixture.product)
            #expect(afterVersion != before)
            #expect(after.entries.first { $0.channel == .beta }?.proposed?.version.rawValue == "5.4.0")
        }
    }

    @Test("With extensions, an upload is promoted by the rules; a custom channel follows the core channel it extends", arguments: DatabaseKind.available)
    func promotedOnUpload(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            try await store.putExtension(
                ExtensionManifest(name: "Session Expiry", beta: try VersionTag(validating: "6.0.x"), stable: try VersionTag(validating: "6.0.1")),
                id: "session-expiry", of: Fixture.product)
            let custom = try ChannelID(validating: "eric_pickles")
            let pinned = try ChannelID(validating: "frozen")
            _ = try await store.saveChannel(custom, of: Fixture.product, settings: ChannelSettings(extends: .some(.beta)))
            _ = try await store.saveChannel(pinned, of: Fixture.product, settings: ChannelSettings(extends: .some(.development)))
            let old = try Fixture.build(1, channel: pinned, version: "5.0.0")
            try await store.publish(old, actor: "ci")
            try await store.pin(pinned, of: Fixture.product, to: old.hash, actor: "ci")

            let first = try Fixture.build(2, channel: .development, version: "6.0.0")
            try await store.publish(first, actor: "ci")
            #expect(try await store.servedBuild(for: .development, of: Fixture.product)?.hash == first.hash)
            #expect(try await store.servedBuild(for: .beta, of: Fixture.product)?.hash == first.hash)
            #expect(try await store.servedBuild(for: custom, of: Fixture.product)?.hash == first.hash)
            #expect(try await store.servedBuild(for: .stable, of: Fixture.product) == nil)
            #expect(try await store.servedBuild(for: pinned, of: Fixture.product)?.hash == old.hash)
            #expect(try await store.history(of: .beta, of: Fixture.product).map(\.reason) == [.promotion])

            try await store.setAutoDeploy(true, of: Fixture.product)
            let second = try Fixture.build(3, channel: .development, version: "6.0.1")
            try await store.publish(second, actor: "ci")
            #expect(try await store.servedBuild(for: .stable, of: Fixture.product)?.hash == second.hash)
            let older = try Fixture.build(4, channel: .development, version: "5.9.0")
            try await store.publish(older, actor: "ci")
            #expect(try await store.servedBuild(for: .beta, of: Fixture.product)?.hash == second.hash)
        }
    }
}
