import Crypto
import Foundation
import HeraldCore
import HeraldStore
import HeraldTestSupport
import NIOCore
import SQLKit
import Testing

/// The same suite on SQLite and on PostgreSQL, each test on a fresh database.
@Suite("Store")
struct StoreTests {
    @Test("A new product gets the core channels stable, beta and development", arguments: DatabaseKind.available)
    func createProduct(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let channels = try await store.channels(of: Fixture.product)
            #expect(channels.map(\.id) == [.beta, .development, .stable])
            #expect(channels.allSatisfy { $0.isCore && $0.latestBuild == nil && $0.aliasFor == nil })
            #expect(channels.first { $0.id == .stable }?.name == "Stable Channel")
            #expect(try await store.product(Fixture.product)?.name == "Private Blog")
        }
    }

    @Test("Creating a product twice is refused, and nothing changes", arguments: DatabaseKind.available)
    func duplicateProduct(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            var renamed = Fixture.makeProduct()
            renamed.name = "Other"
            await #expect { try await store.createProduct(renamed) } throws: { ($0 as? HeraldError)?.code == "product_exists" }
            #expect(try await store.product(Fixture.product)?.name == "Private Blog")
        }
    }

    @Test("Hidden products are left out of listings but can be read", arguments: DatabaseKind.available)
    func hiddenProducts(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            let secret = try ProductID(validating: "secret")
            try await store.createProduct(Fixture.makeProduct())
            try await store.createProduct(Fixture.makeProduct(secret, hidden: true))
            #expect(try await store.products().map(\.id) == [Fixture.product])
            #expect(try await store.products(includeHidden: true).map(\.id) == [Fixture.product, secret])
            #expect(try await store.product(secret)?.hidden == true)
        }
    }

    @Test("Publishing moves latest_build and records who moved it, from where to where", arguments: DatabaseKind.available)
    func publishMovesLatest(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let first = try Fixture.build(1)
            let second = try Fixture.build(2, version: "1.0.1")
            try await store.publish(first, actor: "ci")
            try await store.publish(second, actor: "daniel")
            #expect(try await store.channel(.stable, of: Fixture.product)?.latestBuild == second.hash)
            let history = try await store.history(of: .stable, of: Fixture.product)
            #expect(history.map(\.sequence) == [1, 2])
            #expect(history.map(\.from) == [nil, first.hash])
            #expect(history.map(\.to) == [first.hash, second.hash])
            #expect(history.map(\.actor) == ["ci", "daniel"])
            #expect(history.allSatisfy { $0.pointer == .latest && $0.reason == .upload })
            let stored = try #require(try await store.build(second.hash))
            #expect(stored == second)
        }
    }

    @Test("Publishing to an unknown channel creates it", arguments: DatabaseKind.available)
    func publishCreatesChannel(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let distribution = try ChannelID(validating: "distribution")
            try await store.publish(try Fixture.build(1, channel: distribution), actor: "ci")
            let channel = try #require(try await store.channel(distribution, of: Fixture.product))
            let expected = try Fixture.build(1).hash
            #expect(!channel.isCore && channel.latestBuild == expected)
        }
    }

    @Test("Publishing to an unknown product is refused and stores nothing", arguments: DatabaseKind.available)
    func publishUnknownProduct(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            await #expect { try await store.publish(try Fixture.build(1), actor: "ci") } throws: {
                ($0 as? HeraldError)?.code == "unknown_product"
            }
            let hash = try Fixture.build(1).hash
            #expect(try await store.build(hash) == nil)
        }
    }

    @Test("Publishing to an alias is refused", arguments: DatabaseKind.available)
    func publishToAlias(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let custom = try ChannelID(validating: "eric_pickles")
            try await store.publish(try Fixture.build(1), actor: "ci")
            try await store.publish(try Fixture.build(2, channel: custom), actor: "ci")
            try await store.setAlias(of: custom, of: Fixture.product, to: .stable)
            await #expect { try await store.publish(try Fixture.build(3, channel: custom), actor: "ci") } throws: {
                ($0 as? HeraldError)?.code == "channel_is_alias"
            }
            let refused = try Fixture.build(3).hash
            let stable = try Fixture.build(1).hash
            #expect(try await store.build(refused) == nil)
            #expect(try await store.servedBuild(for: custom, of: Fixture.product)?.hash == stable)
        }
    }

    @Test("Aliasing into a cycle is refused by the store", arguments: DatabaseKind.available)
    func aliasCycle(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            try await store.setAlias(of: .beta, of: Fixture.product, to: .stable)
            await #expect { try await store.setAlias(of: .stable, of: Fixture.product, to: .beta) } throws: {
                ($0 as? HeraldError)?.code == "alias_cycle"
            }
            await #expect { try await store.setAlias(of: .stable, of: Fixture.product, to: .stable) } throws: {
                ($0 as? HeraldError)?.code == "alias_cycle"
            }
            let stable = try #require(try await store.channel(.stable, of: Fixture.product))
            #expect(stable.aliasFor == nil)
        }
    }

    @Test("An alias cannot be pinned, and a pinned channel cannot become an alias", arguments: DatabaseKind.available)
    func pinsAndAliasesExclude(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let first = try Fixture.build(1)
            try await store.publish(first, actor: "ci")
            try await store.setAlias(of: .beta, of: Fixture.product, to: .stable)
            await #expect { try await store.pin(.beta, of: Fixture.product, to: first.hash, actor: "daniel") } throws: {
                ($0 as? HeraldError)?.code == "channel_is_alias"
            }
            try await store.pin(.stable, of: Fixture.product, to: first.hash, actor: "daniel")
            await #expect { try await store.setAlias(of: .stable, of: Fixture.product, to: .development) } throws: {
                ($0 as? HeraldError)?.code == "channel_is_pinned"
            }
            #expect(try await store.channel(.beta, of: Fixture.product)?.activeBuild == nil)
        }
    }

    @Test("Concurrent uploads of one file and one version to several channels stay consistent", arguments: DatabaseKind.available)
    func concurrentChannels(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let channels = try (1...8).map { try ChannelID(validating: "custom-\($0)") }
            // The same file to eight channels at once, and eight rebuilds of version 2.0 to eight others.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, channel) in channels.enumerated() {
                    group.addTask { try await store.publish(try Fixture.build(1, channel: channel), actor: "ci") }
                    group.addTask {
                        let other = try ChannelID(validating: "rebuild-\(index)")
                        try await store.publish(try Fixture.build(100 + index, channel: other, version: "2.0"), actor: "ci")
                    }
                }
                try await group.waitForAll()
            }
            let shared = try Fixture.build(1).hash
            for channel in channels {
                #expect(try await store.channel(channel, of: Fixture.product)?.latestBuild == shared)
            }
            var rebuilds: [Build] = []
            for index in 0..<8 {
                rebuilds += try await store.builds(uploadedTo: ChannelID(validating: "rebuild-\(index)"), of: Fixture.product)
            }
            #expect(rebuilds.count == 8)
            #expect(rebuilds.filter(\.isLatest).count == 1, "the newest upload of 2.0 is one build")
        }
    }

    @Test("A pinned channel serves its pin; uploads do not move it", arguments: DatabaseKind.available)
    func pinnedChannel(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let first = try Fixture.build(1)
            try await store.publish(first, actor: "ci")
            try await store.pin(.stable, of: Fixture.product, to: first.hash, actor: "daniel")
            try await store.publish(try Fixture.build(2, version: "2.0"), actor: "ci")
            let channel = try #require(try await store.channel(.stable, of: Fixture.product))
            #expect(channel.activeBuild == first.hash && channel.latestBuild == first.hash)
            #expect(try await store.servedBuild(for: .stable, of: Fixture.product)?.hash == first.hash)
            try await store.unpin(.stable, of: Fixture.product, actor: "daniel")
            let history = try await store.history(of: .stable, of: Fixture.product)
            #expect(history.map(\.reason) == [.upload, .pin, .unpin])
            #expect(history.last?.from == first.hash && history.last?.to == nil)
        }
    }

    @Test("The same file twice is one build; the newest upload of a version is_latest", arguments: DatabaseKind.available)
    func sameFileTwice(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let first = try Fixture.build(1)
            let rebuilt = try Fixture.build(2)
            try await store.publish(first, actor: "ci")
            try await store.publish(rebuilt, actor: "ci")
            #expect(try await store.build(first.hash)?.isLatest == false)
            try await store.publish(try Fixture.build(1, channel: .beta), actor: "ci")
            #expect(try await store.build(first.hash)?.isLatest == true)
            #expect(try await store.build(rebuilt.hash)?.isLatest == false)
            #expect(try await store.build(first.hash)?.channel == .stable)
            #expect(try await store.channel(.beta, of: Fixture.product)?.latestBuild == first.hash)
            #expect(try await store.builds(uploadedTo: .stable, of: Fixture.product).map(\.hash) == [rebuilt.hash, first.hash])
        }
    }

    @Test("A failed publish rolls back every row it wrote", arguments: DatabaseKind.available)
    func failedPublishRollsBack(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            let other = try ProductID(validating: "other")
            try await store.createProduct(Fixture.makeProduct())
            try await store.createProduct(Fixture.makeProduct(other))
            try await store.publish(try Fixture.build(1), actor: "ci")
            let fresh = try ChannelID(validating: "fresh")
            // The channel is inserted first; finding the file owned by another product then fails.
            await #expect { try await store.publish(try Fixture.build(1, product: other, channel: fresh), actor: "ci") } throws: {
                ($0 as? HeraldError)?.code == "build_of_other_product"
            }
            #expect(try await store.channel(fresh, of: other) == nil)
        }
    }

    @Test("Builds are found by a unique hash prefix of 12 or more", arguments: DatabaseKind.available)
    func hashPrefix(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            var first = try Fixture.build(1)
            first.hash = try BuildHash(validating: "abcdef012345" + String(repeating: "1", count: 52))
            var second = try Fixture.build(2)
            second.hash = try BuildHash(validating: "abcdef012345" + String(repeating: "2", count: 52))
            try await store.publish(first, actor: "ci")
            try await store.publish(second, actor: "ci")
            let full = first.hash.rawValue
            #expect(try await store.build(matching: BuildReference(validating: String(full.prefix(13)))).hash == first.hash)
            #expect(try await store.build(matching: BuildReference(validating: full)).hash == first.hash)
            await #expect { try await store.build(matching: BuildReference(validating: String(full.prefix(12)))) } throws: {
                ($0 as? HeraldError)?.code == "ambiguous_build"
            }
            await #expect { try await store.build(matching: BuildReference(validating: "ffffffffffff")) } throws: {
                ($0 as? HeraldError)?.code == "unknown_build"
            }
        }
    }

    @Test("Tokens are stored as a hash only and found by their secret", arguments: DatabaseKind.available)
    func tokens(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let issued = try await store.createToken(name: "ci", products: [Fixture.product])
            #expect(issued.secret.count >= 64)
            let found = try #require(try await store.token(forSecret: issued.secret))
            #expect(found.name == "ci" && found.products == [Fixture.product] && found.id == issued.token.id)
            let other = try ProductID(validating: "other")
            #expect(found.mayWrite(to: Fixture.product) && !found.mayWrite(to: other))
            #expect(try await store.token(forSecret: issued.secret + "x") == nil)
            let stored = try await store.withDatabase { database in
                try await database.select().column("*").from("api_tokens").all()
                    .map { try $0.decode(column: "secret_sha256", as: String.self) }
            }
            #expect(stored.count == 1 && stored[0] != issued.secret && !stored[0].contains(issued.secret.suffix(20)))
            await #expect { try await store.createToken(name: "x", products: [ProductID(validating: "nope")]) } throws: {
                ($0 as? HeraldError)?.code == "unknown_product"
            }
        }
    }

    @Test("50 concurrent uploads to one channel: every build stored, one history entry each", arguments: DatabaseKind.available)
    func concurrentUploads(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let builds = try (1...50).map { try Fixture.build($0, version: "1.0.\($0)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for build in builds {
                    group.addTask { try await store.publish(build, actor: "uploader-\(build.version)") }
                }
                try await group.waitForAll()
            }
            let stored = try await store.builds(uploadedTo: .stable, of: Fixture.product)
            #expect(Set(stored.map(\.hash)) == Set(builds.map(\.hash)))
            let latest = try #require(try await store.channel(.stable, of: Fixture.product)?.latestBuild)
            #expect(builds.contains { $0.hash == latest })
            let history = try await store.history(of: .stable, of: Fixture.product)
            #expect(history.count == 50)
            #expect(history.map(\.sequence) == Array(1...50))
            // Moves happened one after another: each starts where the one before ended.
            #expect(history.first?.from == nil)
            #expect(zip(history, history.dropFirst()).allSatisfy { $0.to == $1.from })
            #expect(history.last?.to == latest)
        }
    }

    @Test("A site active on a license is recorded salted; one recorded unsalted by an earlier version still counts, and is salted on its next check", arguments: DatabaseKind.available)
    func saltedLicenseSites(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let issued = try await store.createLicense(
                customerName: "Ada", customerEmail: "ada@example.com", products: [Fixture.product], channel: nil, siteLimit: 2)
            let salt = try await store.licenseSiteSalt()
            #expect(try await store.licenseSiteSalt() == salt)
            func recorded() async throws -> Set<String> {
                try await store.withDatabase { database in
                    Set(try await database.select().column("site_sha256").from("license_sites").all().map { try $0.decode(column: "site_sha256", as: String.self) })
                }
            }
            func unsalted(_ site: String) -> String { SHA256.hash(data: Data(site.utf8)).map { String(format: "%02x", $0) }.joined() }
            func salted(_ site: String) -> String { InstallSample.siteDigest(of: site, salt: salt).map { String(format: "%02x", $0) }.joined() }

            _ = try await store.checkLicense(key: issued.key, for: Fixture.product, site: "one.example", siteSalt: salt)
            #expect(try await recorded() == [salted("one.example")])
            #expect(!(try await recorded()).contains(unsalted("one.example")))

            // An activation from before salting: the site is known, and takes no second place.
            try await store.withDatabase { database in
                try await database.insert(into: "license_sites").columns("license_id", "site_sha256", "activated_at")
                    .values(SQLBind(issued.license.id), SQLBind(unsalted("two.example")), SQLBind(Int64(0))).run()
            }
            _ = try await store.checkLicense(key: issued.key, for: Fixture.product, site: "two.example", siteSalt: salt)
            #expect(try await recorded() == [salted("one.example"), salted("two.example")])
            // Both forms of one site (an earlier version's instance added the unsalted one): one is left.
            try await store.withDatabase { database in
                try await database.insert(into: "license_sites").columns("license_id", "site_sha256", "activated_at")
                    .values(SQLBind(issued.license.id), SQLBind(unsalted("one.example")), SQLBind(Int64(0))).run()
            }
            _ = try await store.checkLicense(key: issued.key, for: Fixture.product, site: "one.example", siteSalt: salt)
            #expect(try await recorded() == [salted("one.example"), salted("two.example")])
            await #expect(throws: HeraldError.self) {
                try await store.checkLicense(key: issued.key, for: Fixture.product, site: "three.example", siteSalt: salt)
            }
        }
    }

    @Test("A start removes the blobs a publish cut short placed that no build uses, never another blob, and not while another instance publishes", arguments: DatabaseKind.available)
    func orphanBlobs(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await withTemporaryFolder("orphans") { folder in try await checkOrphans(store: store, folder: folder) }
        }
    }

    private struct CutShort: Error {}

    private func checkOrphans(store: any Store, folder: String) async throws {
        try await store.createProduct(Fixture.makeProduct())
        // A publish that placed two blobs and never committed (as a crash leaves it), in an instance that then ended.
        var ended: BlobStore? = try BlobStore(dataDirectory: folder)
        var placed: [BuildHash] = []
        await #expect(throws: CutShort.self) {
            try await ended!.publishing {
                for text in ["a build", "a crash left me"] {
                    let writer = try await ended!.makeWriter()
                    try await writer.write(ByteBuffer(string: text))
                    try await writer.commit()
                    placed.append(try await writer.complete().hash)
                }
                throw CutShort()
            }
        }
        ended = nil
        let (used, orphan) = (placed[0], placed[1])
        var build = try Fixture.build(1)
        build.hash = used
        _ = try await store.publish(build, actor: "test")
        // A blob no publish noted: absent from this database, perhaps used by the right one.
        let stranger = try await BlobStore(dataDirectory: folder).write(Chunks1(bytes: Array("restored from elsewhere".utf8))).hash

        // While another instance publishes, nothing is removed and the notes stay.
        let publisher = try BlobStore(dataDirectory: folder)
        let starting = try BlobStore(dataDirectory: folder)
        #expect(starting.placedByEndedInstances.sorted { $0.rawValue < $1.rawValue } == placed.sorted { $0.rawValue < $1.rawValue })
        let removedWhilePublishing = try await publisher.publishing { try await store.removeOrphanBlobs(starting) }
        #expect(removedWhilePublishing.isEmpty)
        #expect(try await starting.contains(orphan))

        let blobs = try BlobStore(dataDirectory: folder)
        #expect(try await store.removeOrphanBlobs(blobs) == [orphan])
        #expect(try await blobs.contains(used))
        #expect(try await !blobs.contains(orphan))
        #expect(try await blobs.contains(stranger))
        #expect(try BlobStore(dataDirectory: folder).placedByEndedInstances.isEmpty)
        let old = Date().addingTimeInterval(-120)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: blobs.path(of: stranger))
        #expect(try await store.inconsistencies(blobs: blobs, readingContents: true) == ["blob \(stranger) is used by no build and no build file"])
    }

    @Test("A database whose disk is full refuses a change with insufficient_storage (507), not a server error", arguments: DatabaseKind.available)
    func databaseDiskFull(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.createProduct(Fixture.makeProduct())
            let refused = await #expect(throws: HeraldError.self) {
                switch kind {
                case .sqlite:
                    // SQLite reports a file that may not grow exactly as a full disk (SQLITE_FULL).
                    try await store.withDatabase { database in
                        try await database.raw("PRAGMA max_page_count = 1").run()
                    }
                    for seed in 0..<200 {
                        try await store.createProduct(Fixture.makeProduct(try ProductID(validating: "filler_\(seed)")))
                    }
                case .postgres:
                    // What PostgreSQL answers when it cannot extend a table or write its log.
                    try await store.withTransaction { database in
                        try await database.raw("DO $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$").run()
                    }
                }
            }
            #expect(refused?.kind == .insufficientStorage)
            #expect(try await store.product(Fixture.product) != nil)
        }
    }
}
