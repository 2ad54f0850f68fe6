import Testing

@testable import HeraldCore

@Suite("Channel resolution")
struct ChannelResolutionTests {
    let product = try! ProductID(validating: "private_blog")
    let first = try! BuildHash(validating: String(repeating: "1", count: 64))
    let second = try! BuildHash(validating: String(repeating: "2", count: 64))

    func channel(_ id: String, alias: String? = nil, latest: BuildHash? = nil, active: BuildHash? = nil) throws -> Channel {
        Channel(
            product: product, id: try ChannelID(validating: id), name: id, aliasFor: try alias.map { try ChannelID(validating: $0) },
            latestBuild: latest, activeBuild: active, createdAt: 0)
    }

    @Test("A channel serves its latest build, or its pin when pinned")
    func pinWins() throws {
        let resolution = ChannelResolution(channels: [
            try channel("stable", latest: first), try channel("beta", latest: first, active: second),
        ])
        #expect(try resolution.resolveServedBuild(for: .stable, of: product) == first)
        #expect(try resolution.resolveServedBuild(for: .beta, of: product) == second)
    }

    @Test("Alias chains are followed to the channel that holds the build")
    func aliasChain() throws {
        let resolution = ChannelResolution(channels: [
            try channel("stable", latest: first, active: second),
            try channel("base", alias: "stable", latest: first),
            try channel("eric_pickles", alias: "base"),
        ])
        let eric = try ChannelID(validating: "eric_pickles")
        #expect(try resolution.resolveServingChannel(for: eric, of: product).id == .stable)
        #expect(try resolution.resolveServedBuild(for: eric, of: product) == second)
    }

    @Test("An unknown channel, or a chain into one, is reported")
    func unknown() throws {
        let resolution = ChannelResolution(channels: [try channel("custom", alias: "gone")])
        #expect { try resolution.resolveServedBuild(for: .stable, of: product) } throws: {
            ($0 as? HeraldError)?.code == "unknown_channel"
        }
        #expect { try resolution.resolveServedBuild(for: ChannelID(validating: "custom"), of: product) } throws: {
            ($0 as? HeraldError)?.code == "unknown_channel"
        }
    }

    @Test("A stored cycle is reported, not followed forever")
    func storedCycle() throws {
        let resolution = ChannelResolution(channels: [try channel("a", alias: "b"), try channel("b", alias: "a")])
        #expect { try resolution.resolveServedBuild(for: ChannelID(validating: "a"), of: product) } throws: {
            ($0 as? HeraldError)?.code == "alias_cycle"
        }
    }

    @Test("Aliasing a channel to itself or into a cycle is refused")
    func cyclesRefused() throws {
        let resolution = ChannelResolution(channels: [
            try channel("stable", latest: first), try channel("a", alias: "stable"), try channel("b", alias: "a"),
        ])
        let a = try ChannelID(validating: "a")
        let b = try ChannelID(validating: "b")
        #expect { try resolution.validateAlias(of: .stable, to: .stable, product: product) } throws: {
            ($0 as? HeraldError)?.code == "alias_cycle"
        }
        #expect { try resolution.validateAlias(of: .stable, to: b, product: product) } throws: {
            ($0 as? HeraldError)?.message.contains("stable -> b -> a -> stable") == true
        }
        #expect { try resolution.validateAlias(of: .stable, to: ChannelID(validating: "nope"), product: product) } throws: {
            ($0 as? HeraldError)?.code == "unknown_channel"
        }
        try resolution.validateAlias(of: try ChannelID(validating: "new"), to: b, product: product)
        try resolution.validateAlias(of: a, to: .stable, product: product)
    }

    @Test("Uploading to an alias is refused")
    func uploadToAlias() throws {
        #expect { try channel("custom", alias: "stable").ensureAcceptsUploads() } throws: {
            ($0 as? HeraldError)?.code == "channel_is_alias"
        }
        try channel("stable").ensureAcceptsUploads()
    }
}
