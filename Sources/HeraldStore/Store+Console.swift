import Crypto
import Foundation
import HeraldCore
import SQLKit

/// A signed-in console session, as a request presents it.
public struct ConsoleSession: Sendable {
    public let account: ConsoleAccount
    /// Sent back with every change the session makes (a form field or a header), which a page
    /// of another site cannot read and so cannot forge.
    public let csrfToken: String
    /// Milliseconds since 1970.
    public let createdAt: Int64

    /// A session unused this long ends.
    public static let idleLifetime: Int64 = 2 * 3600 * 1000
    /// A session ends this long after sign-in, however much it is used.
    public static let absoluteLifetime: Int64 = 12 * 3600 * 1000
}

/// One line of the audit log: who changed what, when, from where.
public struct AuditEntry: Sendable, Equatable {
    /// Milliseconds since 1970.
    public let at: Int64
    public let actor: String
    public let action: String
    public let address: String
}

extension Store {
    /// Creates a console account; the password is stored as a scrypt hash.
    @discardableResult
    public func createAccount(email: String, password: String, products: Set<ProductID>) async throws -> ConsoleAccount {
        let email = try ConsoleAccount.normalizeEmail(email)
        try ConsoleAccount.validatePassword(password)
        let hash = try await PasswordHash.make(password)
        let account = ConsoleAccount(id: UUID().uuidString.lowercased(), email: email, products: products, createdAt: currentTimeMillis())
        try await withTransaction { database in
            guard try await database.select().column("id").from("console_accounts").where("email", .equal, email).first() == nil else {
                throw HeraldError.accountExists(email)
            }
            for product in products.sorted() {
                guard try await database.select().column("id").from("products").where("id", .equal, product.rawValue).first() != nil else {
                    throw HeraldError.unknownProduct(product)
                }
            }
            try await database.insert(into: "console_accounts")
                .columns("id", "email", "password_hash", "created_at")
                .values(SQLBind(account.id), SQLBind(email), SQLBind(hash), SQLBind(account.createdAt))
                .run()
            for product in products.sorted() {
                try await database.insert(into: "console_account_products")
                    .columns("account_id", "product_id").values(SQLBind(account.id), SQLBind(product.rawValue)).run()
            }
        }
        return account
    }

    /// Every console account, by email.
    public func accounts() async throws -> [ConsoleAccount] {
        try await withDatabase { database in
            var accounts: [ConsoleAccount] = []
            for row in try await database.select().column("*").from("console_accounts").orderBy("email").all() {
                accounts.append(try await Self.account(from: row, on: database))
            }
            return accounts
        }
    }

    /// Removes an account and ends its sessions.
    public func deleteAccount(email: String) async throws {
        let email = try ConsoleAccount.normalizeEmail(email)
        try await withTransaction { database in
            guard let row = try await database.select().column("id").from("console_accounts").where("email", .equal, email).first() else {
                throw HeraldError.unknownAccount(email)
            }
            let id = try row.decode(column: "id", as: String.self)
            try await database.delete(from: "console_sessions").where("account_id", .equal, id).run()
            try await database.delete(from: "console_account_products").where("account_id", .equal, id).run()
            try await database.delete(from: "console_accounts").where("id", .equal, id).run()
        }
    }

    /// Sets a new password and ends every session of the account.
    public func resetPassword(email: String, to password: String) async throws {
        let email = try ConsoleAccount.normalizeEmail(email)
        try ConsoleAccount.validatePassword(password)
        let hash = try await PasswordHash.make(password)
        try await withTransaction { database in
            guard let row = try await database.select().column("id").from("console_accounts").where("email", .equal, email).first() else {
                throw HeraldError.unknownAccount(email)
            }
            let id = try row.decode(column: "id", as: String.self)
            try await database.update("console_accounts").set("password_hash", to: SQLBind(hash)).where("id", .equal, id).run()
            try await database.delete(from: "console_sessions").where("account_id", .equal, id).run()
        }
    }

    /// The account whose email and password these are; nil for either wrong, in about the same time.
    public func account(email: String, password: String) async throws -> ConsoleAccount? {
        guard let email = try? ConsoleAccount.normalizeEmail(email), password.utf8.count <= 1024 else { return nil }
        let found: (ConsoleAccount, String)? = try await withDatabase { database in
            guard let row = try await database.select().column("*").from("console_accounts").where("email", .equal, email).first() else {
                return nil
            }
            return (try await Self.account(from: row, on: database), try row.decode(column: "password_hash", as: String.self))
        }
        let matches = try await PasswordHash.verify(password, against: found?.1 ?? PasswordHash.decoy)
        return matches ? found?.0 : nil
    }

    /// Starts a session for `account`; the secret is the cookie's value, and only its SHA-256 is kept.
    public func startSession(for account: ConsoleAccount) async throws -> (secret: String, session: ConsoleSession) {
        let secret = "hrls_" + randomHex(byteCount: 32)
        let now = currentTimeMillis()
        let session = ConsoleSession(account: account, csrfToken: randomHex(byteCount: 32), createdAt: now)
        try await withTransaction { database in
            try await database.delete(from: "console_sessions")
                .where("last_seen_at", .lessThan, SQLBind(now - ConsoleSession.idleLifetime))
                .orWhere("created_at", .lessThan, SQLBind(now - ConsoleSession.absoluteLifetime))
                .run()
            try await database.insert(into: "console_sessions")
                .columns("secret_sha256", "account_id", "csrf_token", "created_at", "last_seen_at")
                .values(SQLBind(Self.digest(ofSecret: secret)), SQLBind(account.id), SQLBind(session.csrfToken), SQLBind(now), SQLBind(now))
                .run()
        }
        return (secret, session)
    }

    /// The live session whose secret this is, or nil (unknown, idle too long, or too old). A use
    /// more than a minute after the last one moves the idle deadline.
    public func session(forSecret secret: String) async throws -> ConsoleSession? {
        guard secret.hasPrefix("hrls_"), secret.utf8.count == 69 else { return nil }
        let digest = Self.digest(ofSecret: secret)
        let now = currentTimeMillis()
        return try await withDatabase { database in
            guard let row = try await database.select().column("*").from("console_sessions").where("secret_sha256", .equal, digest).first()
            else { return nil }
            let createdAt = try row.decode(column: "created_at", as: Int64.self)
            let lastSeen = try row.decode(column: "last_seen_at", as: Int64.self)
            guard now - lastSeen < ConsoleSession.idleLifetime, now - createdAt < ConsoleSession.absoluteLifetime else { return nil }
            let accountID = try row.decode(column: "account_id", as: String.self)
            guard let accountRow = try await database.select().column("*").from("console_accounts").where("id", .equal, accountID).first()
            else { return nil }
            if now - lastSeen > 60_000 {
                try await database.update("console_sessions").set("last_seen_at", to: SQLBind(now))
                    .where("secret_sha256", .equal, digest).run()
            }
            return ConsoleSession(
                account: try await Self.account(from: accountRow, on: database), csrfToken: try row.decode(column: "csrf_token", as: String.self),
                createdAt: createdAt)
        }
    }

    /// Ends the session whose secret this is.
    public func endSession(secret: String) async throws {
        let digest = Self.digest(ofSecret: secret)
        try await withDatabase { database in
            try await database.delete(from: "console_sessions").where("secret_sha256", .equal, digest).run()
        }
    }

    /// How long the audit log keeps an entry.
    public static var auditRetention: Int64 { 400 * 86_400_000 }

    /// Records who did what from where; a sign-in also drops entries past ``auditRetention``.
    public func recordAudit(actor: String, action: String, address: String) async throws {
        let now = currentTimeMillis()
        try await withDatabase { database in
            if action == "sign-in" {
                try await database.delete(from: "audit_log").where("at", .lessThan, SQLBind(now - Self.auditRetention)).run()
            }
            try await database.insert(into: "audit_log")
                .columns("id", "at", "actor", "action", "address")
                .values(
                    SQLBind(UUID().uuidString.lowercased()), SQLBind(now), SQLBind(String(actor.prefix(254))),
                    SQLBind(String(action.prefix(500))), SQLBind(String(address.prefix(100))))
                .run()
        }
    }

    /// The newest `limit` entries of the audit log (those of `actor` alone when given), newest first.
    public func auditLog(limit: Int = 200, actor: String? = nil) async throws -> [AuditEntry] {
        try await withDatabase { database in
            var query = database.select().column("*").from("audit_log")
            if let actor { query = query.where("actor", .equal, actor) }
            return try await query.orderBy("at", .descending).limit(max(1, min(limit, 1000))).all()
                .map { row in
                    AuditEntry(
                        at: try row.decode(column: "at", as: Int64.self), actor: try row.decode(column: "actor", as: String.self),
                        action: try row.decode(column: "action", as: String.self), address: try row.decode(column: "address", as: String.self))
                }
        }
    }

    private static func account(from row: any SQLRow, on database: any SQLDatabase) async throws -> ConsoleAccount {
        let id = try row.decode(column: "id", as: String.self)
        var products: Set<ProductID> = []
        for productRow in try await database.select().column("product_id").from("console_account_products")
            .where("account_id", .equal, id).all()
        {
            products.insert(try ProductID(validating: try productRow.decode(column: "product_id", as: String.self)))
        }
        return ConsoleAccount(
            id: id, email: try row.decode(column: "email", as: String.self), products: products,
            createdAt: try row.decode(column: "created_at", as: Int64.self))
    }
}
