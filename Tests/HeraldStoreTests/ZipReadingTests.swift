import CompressNIO
import Foundation
import HeraldCore
import HeraldFormats
import HeraldStore
import NIOCore
import Testing

/// Zips read through the store's one zip reader, deflated the way zip tools do.
@Suite("Reading zips")
struct ZipReadingTests {
    private static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    private static func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }

    /// A zip of one deflated entry; `trailing` bytes follow the deflate stream inside the entry's data.
    private static func deflatedZip(path: String, content: [UInt8], trailing: [UInt8] = []) throws -> Data {
        var input = ByteBuffer(bytes: content)
        var compressed = try input.compress(with: .deflate())
        var data = compressed.readBytes(length: compressed.readableBytes) ?? []
        data += trailing
        var crc = CRC32()
        crc.update(content)
        let common =
            le16(20) + le16(0) + le16(8) + le16(0) + le16(0) + le32(Int(crc.value)) + le32(data.count) + le32(content.count)
            + le16(path.utf8.count) + le16(0)
        let local = le32(0x0403_4b50) + common + Array(path.utf8) + data
        let directory = le32(0x0201_4b50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(0) + Array(path.utf8)
        let end = le32(0x0605_4b50) + le16(0) + le16(0) + le16(1) + le16(1) + le32(directory.count) + le32(local.count) + le16(0)
        return Data(local + directory + end)
    }

    private func extract(_ zip: Data) async throws -> (files: [BuildFile]?, blobs: BlobStore) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-zip-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/upload.zip"
        try zip.write(to: URL(fileURLWithPath: path))
        let blobs = try BlobStore(dataDirectory: folder)
        return (try await BuildFileExtraction.extract(zipAt: path, into: blobs), blobs)
    }

    @Test("A deflated entry of several windows unpacks whole, byte for byte")
    func largeEntry() async throws {
        let content = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 1000) }
        let (files, blobs) = try await extract(try Self.deflatedZip(path: "bin/app", content: content))
        let file = try #require(files?.first)
        #expect(file.size == Int64(content.count))
        #expect(FileManager.default.contents(atPath: blobs.path(of: file.blob)) == Data(content))
    }

    @Test("Bytes after the end of an entry's deflate stream are refused, at once", .timeLimit(.minutes(1)))
    func trailingBytes() async throws {
        let zip = try Self.deflatedZip(path: "bin/app", content: Array(repeating: 65, count: 5000), trailing: Array(repeating: 0, count: 16))
        let error = await #expect(throws: HeraldError.self) { _ = try await extract(zip) }
        #expect(error?.message.contains("data follows the end") == true)
    }

    @Test("A file that starts like gzip but whose data zlib refuses is an invalid archive (400), not a server error")
    func damagedGzip() async throws {
        // The gzip magic, deflate, no flags, then bytes that are no deflate block.
        let bytes = Data([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03] + Array(repeating: 0xFF, count: 64))
        let error = await #expect(throws: HeraldError.self) { _ = try await extract(bytes) }
        #expect(error?.code == "invalid_archive")
    }
}
