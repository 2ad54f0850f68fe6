import HeraldFormats
import HeraldTestSupport
import Testing

@Suite("Zip and tar headers read from untrusted bytes")
struct ArchiveFormatTests {
    private static func le16(_ value: Int) -> [UInt8] { StoredZip.le16(value) }
    private static func le32(_ value: UInt32) -> [UInt8] { StoredZip.le32(value) }
    private static func le64(_ value: UInt64) -> [UInt8] { StoredZip.le64(value) }

    private static func storedZip(_ files: [(String, [UInt8])]) -> [UInt8] { StoredZip.make(files.map { (path: $0.0, content: $0.1) }) }

    private static func directory(of bytes: [UInt8]) throws -> ZipDirectory {
        try ZipDirectory(size: UInt64(bytes.count)) { offset, count in
            guard offset <= UInt64(bytes.count) else { return [] }
            return Array(bytes[Int(offset)..<min(bytes.count, Int(offset) + count)])
        }
    }

    @Test("CRC-32 is the one zip uses")
    func crc() {
        var crc = CRC32()
        crc.update(Array("123456789".utf8))
        #expect(crc.value == 0xCBF4_3926)
    }

    @Test("A zip's entries, their kinds and where each one's data starts")
    func entries() throws {
        let zip = Self.storedZip([("demo/demo.php", Array("<?php".utf8)), ("demo/", [])])
        let directory = try Self.directory(of: zip)
        #expect(directory.entries.map(\.path) == ["demo/demo.php", "demo/"])
        #expect(directory.entries.map(\.kind) == [.file, .directory])
        let first = try #require(directory.entries.first)
        let start = try directory.dataOffset(of: first, header: Array(zip[0..<30]))
        #expect(Array(zip[Int(start)..<Int(start + first.compressedSize)]) == Array("<?php".utf8))
    }

    @Test("The crash shapes: a zip64 locator at offset 0, a directory offset of 2^63, an entry past the end")
    func craftedZips() throws {
        let zip64End = Self.le32(0x0605_4b50) + Self.le16(0) + Self.le16(0) + Self.le16(0xFFFF) + Self.le16(0xFFFF)
            + Self.le32(0xFFFF_FFFF) + Self.le32(0xFFFF_FFFF) + Self.le16(0)
        let locatorAtZero = Self.le32(0x0706_4b50) + Self.le32(0) + Self.le64(0) + Self.le32(1)
        #expect(throws: ArchiveError.self) { try Self.directory(of: locatorAtZero + zip64End) }

        let record = Self.le32(0x0606_4b50) + Self.le64(44) + Self.le16(45) + Self.le16(45) + Self.le32(0) + Self.le32(0)
            + Self.le64(1) + Self.le64(1) + Self.le64(46) + Self.le64(1 << 63)
        let end = Self.le32(0x0605_4b50) + Self.le16(0) + Self.le16(0) + Self.le16(1) + Self.le16(1) + Self.le32(46) + Self.le32(0)
            + Self.le16(0)
        #expect(throws: ArchiveError.self) { try Self.directory(of: record + Self.locatorFor(0) + end) }

        var zip = Self.storedZip([("a.txt", Array("hello".utf8))])
        zip.replaceSubrange(35 + 5 + 20..<35 + 5 + 24, with: Self.le32(0xFFFF_FF00))  // compressed size in the directory
        #expect(throws: ArchiveError.self) { try Self.directory(of: zip) }
    }

    private static func locatorFor(_ offset: UInt64) -> [UInt8] {
        le32(0x0706_4b50) + le32(0) + le64(offset) + le32(1)
    }

    private static func octal(_ value: Int, width: Int) -> String {
        let digits = String(value, radix: 8)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// A ustar header for `name`, `size` bytes, of type `flag`, with its checksum.
    private static func tarHeader(name: String, size: Int, flag: UInt8, sizeField: String? = nil) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        block.replaceSubrange(0..<name.utf8.count, with: name.utf8)
        let sizeText = Array((sizeField ?? octal(size, width: 11)).utf8)
        block.replaceSubrange(124..<124 + sizeText.count, with: sizeText)
        block[156] = flag
        block.replaceSubrange(257..<262, with: Array("ustar".utf8))
        block.replaceSubrange(148..<156, with: [UInt8](repeating: 32, count: 8))
        let sum = block.reduce(0) { $0 + Int($1) }
        let checksum = Array(octal(sum, width: 6).utf8) + [0, 32]
        block.replaceSubrange(148..<156, with: checksum)
        return block
    }

    @Test("A tar header's name, size and kind; a wrong checksum or a size that is not octal is refused")
    func tarHeaders() throws {
        let header = try TarHeader(block: Self.tarHeader(name: "bin/app", size: 700, flag: UInt8(ascii: "0")))
        #expect(header.name == "bin/app" && header.size == 700 && header.kind == .file && header.paddedSize == 1024)
        #expect(try TarHeader(block: Self.tarHeader(name: "link", size: 0, flag: UInt8(ascii: "2"))).kind == .special(UInt8(ascii: "2")))
        var damaged = Self.tarHeader(name: "bin/app", size: 700, flag: UInt8(ascii: "0"))
        damaged[0] = UInt8(ascii: "c")
        #expect(throws: ArchiveError.self) { try TarHeader(block: damaged) }
        #expect(throws: ArchiveError.self) { try TarHeader(block: Self.tarHeader(name: "odd", size: 0, flag: 0, sizeField: "00000000009")) }
        let pax = try TarHeader(block: Self.tarHeader(name: "pax", size: 30, flag: UInt8(ascii: "x")))
        #expect(pax.nextName(from: Array("30 path=a/very/long/name.txt\n".utf8)) == "a/very/long/name.txt")
    }
}
