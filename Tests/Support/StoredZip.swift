import HeraldFormats

/// A zip of stored (uncompressed) files, written byte by byte the way any zip tool writes one:
/// local headers, the central directory with Unix modes, the end record.
public enum StoredZip {
    public static func make(_ files: [(path: String, content: [UInt8])]) -> [UInt8] {
        var body: [UInt8] = []
        var directory: [UInt8] = []
        for (name, content) in files {
            var crc = CRC32()
            crc.update(content)
            let offset = UInt32(body.count)
            let common =
                le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc.value) + le32(UInt32(content.count))
                + le32(UInt32(content.count)) + le16(name.utf8.count) + le16(0)
            body += le32(0x0403_4b50) + common + Array(name.utf8) + content
            directory += le32(0x0201_4b50) + le16(0x031E) + common + le16(0) + le16(0) + le16(0) + le32(0o100644 << 16) + le32(offset)
                + Array(name.utf8)
        }
        let end = le32(0x0605_4b50) + le16(0) + le16(0) + le16(files.count) + le16(files.count) + le32(UInt32(directory.count))
            + le32(UInt32(body.count)) + le16(0)
        return body + directory + end
    }

    public static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    public static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
    public static func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(value >> (8 * $0) & 0xFF) } }
}
