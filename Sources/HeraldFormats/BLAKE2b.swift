/// BLAKE2b-512 (RFC 7693), unkeyed, fed in pieces: the digest minisign signs in its
/// "prehashed" signatures (`ED`), which Tauri's updater verifies. swift-crypto has no BLAKE2.
///
/// Arithmetic is modulo 2^64 by definition of the hash (`&+`); the byte counter is 128 bits,
/// so no input length can overflow it.
public struct BLAKE2b: Sendable {
    private static let iv: [UInt64] = [
        0x6a09_e667_f3bc_c908, 0xbb67_ae85_84ca_a73b, 0x3c6e_f372_fe94_f82b, 0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1, 0x9b05_688c_2b3e_6c1f, 0x1f83_d9ab_fb41_bd6b, 0x5be0_cd19_137e_2179,
    ]

    private static let sigma: [[Int]] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ]

    private static let blockSize = 128
    public static let digestSize = 64

    private var state: [UInt64]
    private var buffer: [UInt8] = []
    private var countLow: UInt64 = 0
    private var countHigh: UInt64 = 0

    public init() {
        state = Self.iv
        // Parameter block: digest length 64, no key, fanout 1, depth 1.
        state[0] ^= 0x0101_0000 ^ UInt64(Self.digestSize)
        buffer.reserveCapacity(Self.blockSize)
    }

    /// Adds `bytes` to the hashed input.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let array = Array(bytes)
        array.withUnsafeBytes { update(bufferPointer: $0) }
    }

    /// Adds the bytes of a raw buffer, whole blocks straight from it.
    public mutating func update(bufferPointer bytes: UnsafeRawBufferPointer) {
        var rest = bytes[...]
        // The last block is compressed only by finalize(), with the final flag, so a full
        // buffer waits until more input arrives.
        while !rest.isEmpty {
            if buffer.count == Self.blockSize {
                count(Self.blockSize)
                buffer.withUnsafeBytes { compress(UnsafeRawBufferPointer($0), isLast: false) }
                buffer.removeAll(keepingCapacity: true)
            }
            if buffer.isEmpty, rest.count > Self.blockSize {
                count(Self.blockSize)
                compress(UnsafeRawBufferPointer(rebasing: rest.prefix(Self.blockSize)), isLast: false)
                rest = rest.dropFirst(Self.blockSize)
                continue
            }
            let taken = min(Self.blockSize - buffer.count, rest.count)
            buffer.append(contentsOf: rest.prefix(taken))
            rest = rest.dropFirst(taken)
        }
    }

    /// The 64-byte digest of everything added.
    public mutating func finalize() -> [UInt8] {
        count(buffer.count)
        let last = buffer + [UInt8](repeating: 0, count: Self.blockSize - buffer.count)
        last.withUnsafeBytes { compress($0, isLast: true) }
        var digest: [UInt8] = []
        digest.reserveCapacity(Self.digestSize)
        for word in state {
            for shift in stride(from: 0, to: 64, by: 8) { digest.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return digest
    }

    /// The digest of `bytes`.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = BLAKE2b()
        hasher.update(bytes)
        return hasher.finalize()
    }

    private mutating func count(_ bytes: Int) {
        let (sum, overflow) = countLow.addingReportingOverflow(UInt64(bytes))
        countLow = sum
        if overflow { countHigh &+= 1 }
    }

    /// Compresses one 128-byte block into the state.
    private mutating func compress(_ block: UnsafeRawBufferPointer, isLast: Bool) {
        var m = [UInt64](repeating: 0, count: 16)
        for index in 0..<16 {
            m[index] = UInt64(littleEndian: block.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        }
        var v = state + Self.iv
        v[12] ^= countLow
        v[13] ^= countHigh
        if isLast { v[14] = ~v[14] }
        func mix(_ a: Int, _ b: Int, _ c: Int, _ d: Int, _ x: UInt64, _ y: UInt64) {
            v[a] = v[a] &+ v[b] &+ x
            v[d] = (v[d] ^ v[a]).rotatedRight(32)
            v[c] = v[c] &+ v[d]
            v[b] = (v[b] ^ v[c]).rotatedRight(24)
            v[a] = v[a] &+ v[b] &+ y
            v[d] = (v[d] ^ v[a]).rotatedRight(16)
            v[c] = v[c] &+ v[d]
            v[b] = (v[b] ^ v[c]).rotatedRight(63)
        }
        for round in 0..<12 {
            let s = Self.sigma[round % 10]
            mix(0, 4, 8, 12, m[s[0]], m[s[1]])
            mix(1, 5, 9, 13, m[s[2]], m[s[3]])
            mix(2, 6, 10, 14, m[s[4]], m[s[5]])
            mix(3, 7, 11, 15, m[s[6]], m[s[7]])
            mix(0, 5, 10, 15, m[s[8]], m[s[9]])
            mix(1, 6, 11, 12, m[s[10]], m[s[11]])
            mix(2, 7, 8, 13, m[s[12]], m[s[13]])
            mix(3, 4, 9, 14, m[s[14]], m[s[15]])
        }
        for index in 0..<8 { state[index] ^= v[index] ^ v[index + 8] }
    }
}

extension UInt64 {
    fileprivate func rotatedRight(_ count: UInt64) -> UInt64 {
        self >> count | self << (64 - count)
    }
}
