import HeraldCore
import HeraldStore
import Testing

@Suite("Database location")
struct DatabaseLocationTests {
    @Test("PostgreSQL URLs give host, port, user, password, database and TLS mode")
    func postgresURLs() throws {
        #expect(
            try DatabaseLocation(parsing: "postgres://herald:s%40cret@db.example:6543/updates?sslmode=require")
                == .postgres(host: "db.example", port: 6543, username: "herald", password: "s@cret", database: "updates", tlsMode: .require))
        #expect(
            try DatabaseLocation(parsing: "postgresql://herald@127.0.0.1/herald")
                == .postgres(host: "127.0.0.1", port: 5432, username: "herald", password: nil, database: "herald", tlsMode: .disable))
    }

    @Test("SQLite is named by sqlite:PATH, sqlite://PATH or a plain path")
    func sqlitePaths() throws {
        #expect(try DatabaseLocation(parsing: "sqlite:/var/lib/herald/herald.sqlite") == .sqlite(path: "/var/lib/herald/herald.sqlite"))
        #expect(try DatabaseLocation(parsing: "sqlite:///srv/h.db") == .sqlite(path: "/srv/h.db"))
        #expect(try DatabaseLocation(parsing: "data/herald.sqlite") == .sqlite(path: "data/herald.sqlite"))
        #expect(DatabaseLocation.defaultSQLite(in: "./herald-data") == .sqlite(path: "./herald-data/herald.sqlite"))
    }

    @Test(
        "Other URLs are refused with a clear message",
        arguments: ["mysql://db/herald", "postgres://", "postgres://db.example/herald", "postgres://u@h/d?sslmode=maybe", "sqlite:", "http://x"])
    func refused(url: String) {
        #expect { try DatabaseLocation(parsing: url) } throws: { error in
            guard let error = error as? HeraldError else { return false }
            return error.code == "invalid_input" && error.message.hasPrefix("database URL")
        }
    }
}
