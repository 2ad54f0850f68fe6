import HeraldCore
import SQLKit

extension Store {
    /// The server's secret called `name` if one has been stored; nil, and nothing stored, if not.
    public func existingServerSecret(named name: String) async throws -> String? {
        try await withDatabase { database in
            try await database.select().column("value").from("server_secrets").where("name", .equal, name).first()?
                .decode(column: "value", as: String.self)
        }
    }

    /// The server's secret called `name`: 32 random bytes in hex (or `proposed`), stored by
    /// whichever instance asks first and then shared by every instance on the database.
    public func serverSecret(named name: String, proposing proposed: String? = nil) async throws -> String {
        try await withDatabase { database in
            try await database.insert(into: "server_secrets").columns("name", "value")
                .values(SQLBind(name), SQLBind(proposed ?? randomHex(byteCount: 32)))
                .ignoringConflicts()
                .run()
            guard let row = try await database.select().column("value").from("server_secrets").where("name", .equal, name).first() else {
                throw HeraldError.databaseUnavailable("the server secret '\(name)' could not be stored")
            }
            return try row.decode(column: "value", as: String.self)
        }
    }
}
