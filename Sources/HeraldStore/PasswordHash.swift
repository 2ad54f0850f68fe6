import Crypto
import Foundation
import HeraldCore
import NIOPosix
import Synchronization
import _CryptoExtras

/// A console password as stored: scrypt with a random salt, never the password. Deriving
/// takes tens of milliseconds and 32 MiB on purpose, so it runs on a thread of its own: never
/// on an event loop, and never on the pool the database's queries run on, which a burst of
/// sign-ins would otherwise starve. Stored as `scrypt$LOG2N$R$P$SALT$KEY` (hex), so the cost
/// can rise later.
enum PasswordHash {
    private static let log2Rounds = 15
    private static let blockSize = 8
    private static let parallelism = 1
    private static let keyBytes = 32

    /// One thread: sign-ins wait their turn rather than take the machine.
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    static func make(_ password: String) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = try await derive(password, salt: salt, log2Rounds: log2Rounds, blockSize: blockSize, parallelism: parallelism)
        return ["scrypt", "\(log2Rounds)", "\(blockSize)", "\(parallelism)", salt.hexString, key.hexString].joined(separator: "$")
    }

    /// Whether `password` is the one `stored` was made from; false for a malformed record.
    static func verify(_ password: String, against stored: String) async throws -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let log2 = Int(parts[1]), (10...20).contains(log2),
            let blockSize = Int(parts[2]), (1...16).contains(blockSize), let parallelism = Int(parts[3]), (1...4).contains(parallelism),
            let salt = bytes(ofHex: parts[4]), let expected = bytes(ofHex: parts[5]), expected.count == keyBytes
        else { return false }
        let key = try await derive(password, salt: salt, log2Rounds: log2, blockSize: blockSize, parallelism: parallelism)
        return constantTimeEqual(key.hexString, expected.hexString)
    }

    /// A hash to compare with when the account does not exist, so a wrong email takes as
    /// long to refuse as a wrong password.
    static let decoy = "scrypt$15$8$1$" + String(repeating: "00", count: 16) + "$" + String(repeating: "00", count: 32)

    /// Derivations waiting or running. Past ``queueLimit`` a sign-in is turned away at once
    /// (503), so a flood of them neither queues without end nor holds memory.
    private static let queued = Mutex(0)
    private static let queueLimit = 16

    private static func derive(_ password: String, salt: [UInt8], log2Rounds: Int, blockSize: Int, parallelism: Int) async throws -> [UInt8] {
        let admitted = queued.withLock { count in
            guard count < queueLimit else { return false }
            count += 1
            return true
        }
        guard admitted else { throw HeraldError.busy("too many sign-ins at once; try again in a few seconds") }
        defer { queued.withLock { $0 -= 1 } }
        return try await pool.runIfActive {
            let key = try KDF.Scrypt.deriveKey(
                from: Array(password.utf8), salt: salt, outputByteCount: keyBytes, rounds: 1 << log2Rounds, blockSize: blockSize,
                parallelism: parallelism)
            return key.withUnsafeBytes { Array($0) }
        }
    }

    private static func bytes(ofHex hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0, digits.count <= 256 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
