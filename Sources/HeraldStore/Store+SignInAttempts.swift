import Foundation
import HeraldCore
import SQLKit

extension Store {
    /// For each of `keys`, how many attempts were made since `since` (epoch milliseconds) and
    /// when the oldest of them was; attempts older than `since` are deleted on the way.
    public func signInAttempts(for keys: [String], since: Int64) async throws -> [String: (count: Int, oldest: Int64)] {
        try await withDatabase { database in
            try await database.delete(from: "sign_in_attempts").where("attempted_at", .lessThan, since).run()
            var found: [String: (count: Int, oldest: Int64)] = [:]
            for key in keys {
                let times = try await database.select().column("attempted_at").from("sign_in_attempts")
                    .where("key", .equal, key).orderBy("attempted_at").all()
                    .map { try $0.decode(column: "attempted_at", as: Int64.self) }
                if let oldest = times.first { found[key] = (times.count, oldest) }
            }
            return found
        }
    }

    /// Records one attempt under each of `keys`; returns the attempt's ids, one per key.
    @discardableResult
    public func recordSignInAttempt(keys: [String], at time: Int64) async throws -> [String: String] {
        try await withDatabase { database in
            var ids: [String: String] = [:]
            for key in keys {
                let id = UUID().uuidString.lowercased()
                try await database.insert(into: "sign_in_attempts").columns("id", "key", "attempted_at")
                    .values(SQLBind(id), SQLBind(key), SQLBind(time)).run()
                ids[key] = id
            }
            return ids
        }
    }

    /// Forgets every attempt under `key` (an account that signed in).
    public func forgetSignInAttempts(key: String) async throws {
        try await withDatabase { database in
            try await database.delete(from: "sign_in_attempts").where("key", .equal, key).run()
        }
    }

    /// Forgets one attempt by its id (a success takes its address's attempt back).
    public func forgetSignInAttempt(id: String) async throws {
        try await withDatabase { database in
            try await database.delete(from: "sign_in_attempts").where("id", .equal, id).run()
        }
    }
}
