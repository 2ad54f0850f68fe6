import Foundation
import HeraldStore
import HeraldTestSupport
import Testing

/// The gate instances on several hosts sharing a bucket hold in PostgreSQL.
@Suite("The blob gate in PostgreSQL", .enabled(if: DatabaseKind.postgresURL != nil))
struct BlobGateTests {
    @Test("While any publish holds the gate shared a deletion is refused at once; once it lets go, a deletion gets it")
    func sharedThenExclusive() async throws {
        try await TestDatabase.with(.postgres) { store in
            let postgres = try #require(store as? PostgresStore)
            let (entered, enter) = AsyncStream.makeStream(of: Void.self)
            let (release, finish) = AsyncStream.makeStream(of: Void.self)
            let publish = Task {
                try await postgres.holdingBlobGate(exclusive: false) {
                    enter.yield()
                    for await _ in release {}
                    return "published"
                }
            }
            for await _ in entered { break }
            // Two publishes hold it together.
            #expect(try await postgres.holdingBlobGate(exclusive: false) { "second" } == "second")
            #expect(try await postgres.holdingBlobGate(exclusive: true) { "deleted" } == nil)
            finish.finish()
            #expect(try await publish.value == "published")
            #expect(try await postgres.holdingBlobGate(exclusive: true) { "deleted" } == "deleted")
            // A body that throws lets go of it too.
            await #expect(throws: CancellationError.self) {
                _ = try await postgres.holdingBlobGate(exclusive: true) { () async throws -> String in throw CancellationError() }
            }
            #expect(try await postgres.holdingBlobGate(exclusive: true) { "again" } == "again")
        }
    }
}
