import HeraldFormats
import Testing

@Suite("BLAKE2b-512")
struct BLAKE2bTests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test("RFC 7693's vector, the empty input, and one exact block, as Python's hashlib gives them")
    func vectors() {
        #expect(
            Self.hex(BLAKE2b.hash(Array("abc".utf8)))
                == "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
        #expect(
            Self.hex(BLAKE2b.hash([UInt8]()))
                == "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce")
        #expect(
            Self.hex(BLAKE2b.hash((0..<128).map { UInt8($0) }))
                == "2319e3789c47e2daa5fe807f61bec2a1a6537fa03f19ff32e87eecbfd64b7e0e8ccff439ac333b040f19b0c4ddd11a61e24ac1fe0f10a039806c5dcc0da3d115")
    }

    @Test("Fed in pieces of any size, the digest is the one of the whole", arguments: [1, 7, 127, 128, 129, 300, 1000])
    func pieces(size: Int) {
        let input = (0..<1000).map { UInt8(($0 * 7 + 3) % 256) }
        var hasher = BLAKE2b()
        var start = 0
        while start < input.count {
            let end = min(start + size, input.count)
            input[start..<end].withUnsafeBytes { hasher.update(bufferPointer: $0) }
            start = end
        }
        #expect(
            Self.hex(hasher.finalize())
                == "4bdd2c9cf31d797a81d245c989ffb7515143ca345c66f73087dd5c58bf642bf083ba16894eab79e3b08d5126404d833e7510271b50be36a7b7cbbb46f5c89fac")
    }
}
