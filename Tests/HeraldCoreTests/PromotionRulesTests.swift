import HeraldCore
import Testing

@Suite("Seed 000's promotion rules")
struct PromotionRulesTests {
    static let product = try! ProductID(validating: "private_blog")

    static func build(_ version: String) -> Build {
        Build(
            hash: try! BuildHash(validating: String(repeating: "a", count: 64)), md5: "", product: product,
            version: try! Version(validating: version), channel: .development, timestamp: 0, size: 1,
            fileName: try! FileName(validating: "private_blog.zip"))
    }

    static func channel(_ id: ChannelID, alias: ChannelID? = nil, pinned: Bool = false) -> Channel {
        var channel = Channel.coreChannels(of: product, at: 0).first { $0.id == .stable }!
        channel.id = id
        channel.aliasFor = alias
        channel.activeBuild = pinned ? try! BuildHash(validating: String(repeating: "b", count: 64)) : nil
        return channel
    }

    static func extensions(beta: String?, stable: String?) -> [ExtensionManifest] {
        ["Session Expiry", "Login Designer", "Skin: Dark"].map { name in
            ExtensionManifest(
                name: name, premium: true, beta: beta.map { try! VersionTag(validating: $0) },
                stable: stable.map { try! VersionTag(validating: $0) })
        }
    }

    static func propose(_ version: String, to channel: Channel, current: String? = nil, extensions: [ExtensionManifest] = [], autoDeploy: Bool = false)
        -> PromotionRules.Proposal
    {
        PromotionRules.propose(
            build(version), to: channel, rule: PromotionRules.rule(for: channel),
            currentVersion: current.map { try! Version(validating: $0) }, extensions: extensions, autoDeploy: autoDeploy)
    }

    @Test("A tag x matches its series; a plain tag matches its version alone")
    func tags() throws {
        let series = try VersionTag(validating: "5.3.x")
        #expect(series.matches(try Version(validating: "5.3.0")))
        #expect(series.matches(try Version(validating: "5.3.12")))
        #expect(series.matches(try Version(validating: "5.3")))
        #expect(!series.matches(try Version(validating: "5.4.0")))
        #expect(!series.matches(try Version(validating: "5.30.1")))
        let exact = try VersionTag(validating: "5.6.1")
        #expect(exact.matches(try Version(validating: "5.6.1")))
        #expect(!exact.matches(try Version(validating: "5.6.10")))
        #expect(throws: HeraldError.self) { try VersionTag(validating: "") }
        #expect(throws: HeraldError.self) { try VersionTag(validating: ".x") }
    }

    @Test("development follows every build")
    func development() {
        #expect(Self.propose("5.3.0", to: Self.channel(.development)) == .move)
        #expect(Self.propose("5.3.1", to: Self.channel(.development), current: "5.3.0") == .move)
    }

    @Test("beta moves only when every extension's beta tag matches: 5.3.x against 5.3.0, 5.3.12 and 5.4.0")
    func beta() {
        let tagged = Self.extensions(beta: "5.3.x", stable: nil)
        #expect(Self.propose("5.3.0", to: Self.channel(.beta), extensions: tagged) == .move)
        #expect(Self.propose("5.3.12", to: Self.channel(.beta), extensions: tagged) == .move)
        #expect(Self.propose("5.4.0", to: Self.channel(.beta), extensions: tagged)
            == .stay(.missingTags(["Session Expiry", "Login Designer", "Skin: Dark"])))
        var oneBehind = tagged
        oneBehind[1].beta = try? VersionTag(validating: "5.2.x")
        #expect(Self.propose("5.3.0", to: Self.channel(.beta), extensions: oneBehind) == .stay(.missingTags(["Login Designer"])))
    }

    @Test("stable waits for a confirmation, unless the product deploys automatically")
    func stable() {
        let tagged = Self.extensions(beta: "5.6.x", stable: "5.6.1")
        #expect(Self.propose("5.6.1", to: Self.channel(.stable), extensions: tagged) == .awaitConfirmation)
        #expect(Self.propose("5.6.1", to: Self.channel(.stable), extensions: tagged, autoDeploy: true) == .move)
        #expect(Self.propose("5.6.2", to: Self.channel(.stable), extensions: tagged, autoDeploy: true)
            == .stay(.missingTags(["Session Expiry", "Login Designer", "Skin: Dark"])))
    }

    @Test("Pinned channels and aliases are left alone, and nothing moves backwards")
    func leftAlone() {
        #expect(Self.propose("6.0", to: Self.channel(.development, pinned: true)) == .stay(.pinned))
        #expect(Self.propose("6.0", to: Self.channel(try! ChannelID(validating: "eric_pickles"), alias: .development)) == .stay(.alias))
        #expect(Self.propose("5.9", to: Self.channel(.development), current: "6.0") == .stay(.notNewer))
        #expect(Self.propose("6.0", to: Self.channel(.development), current: "6.0") == .stay(.notNewer))
        #expect(Self.propose("6.0", to: Self.channel(try! ChannelID(validating: "eric_pickles"))) == .stay(.notPromoted))
    }
}
