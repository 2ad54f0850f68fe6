import Foundation
import Testing

/// Keeps the PostgreSQL half of the store suite from being skipped quietly.
@Suite("PostgreSQL availability")
struct PostgresAvailabilityTests {
    @Test("The test command provides a PostgreSQL server")
    func postgresIsThereWhenRequired() {
        let required = ProcessInfo.processInfo.environment["HERALD_REQUIRE_POSTGRES"] == "1"
        #expect(!required || DatabaseKind.available.contains(.postgres), "HERALD_REQUIRE_POSTGRES=1 but HERALD_TEST_POSTGRES_URL is not set")
    }
}
