import Foundation
import HTTPTypes
import HeraldCore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Uploads whose zip directory is crafted to make a reader's arithmetic trap: each must be
/// refused with `invalid_archive`, and the server must go on answering. (A trap would stop
/// the whole test process, which counts as a failure too.)
@Suite("Crafted archives")
struct CraftedArchiveTests {
    private static func le16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    private static func le32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    private static func le64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    /// The end of central directory record with the given 32-bit fields.
    private static func endRecord(entries: UInt16, size: UInt32, offset: UInt32) -> [UInt8] {
        le32(0x0605_4b50) + le16(0) + le16(0) + le16(entries) + le16(entries) + le32(size) + le32(offset) + le16(0)
    }

    /// A zip64 end-of-directory locator pointing at `recordOffset`.
    private static func locator(recordOffset: UInt64) -> [UInt8] {
        le32(0x0706_4b50) + le32(0) + le64(recordOffset) + le32(1)
    }

    /// 42 bytes: a record that says zip64 and a locator at offset 0 of a file shorter than a zip64 record.
    static let shortZip64 = locator(recordOffset: 0) + endRecord(entries: 0xFFFF, size: 0xFFFF_FFFF, offset: 0xFFFF_FFFF)

    /// Plain 32-bit fields, but a zip64 record (which ZIPFoundation prefers) whose directory offset is 2^63.
    static let hugeZip64Offset: [UInt8] = {
        let record = le32(0x0606_4b50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0) + le64(1) + le64(1) + le64(46) + le64(1 << 63)
        return record + locator(recordOffset: 0) + endRecord(entries: 0, size: 0, offset: 0)
    }()

    @Test("Crafted zip64 directories are refused with invalid_archive and the server keeps answering", arguments: [shortZip64, hugeZip64Offset])
    func refused(_ body: [UInt8]) async throws {
        try await TestServer.run(framework: .router) { server in
            let (status, answer) = try await server.upload(Data(body))
            #expect(status.code >= 400 && status.code < 500, "\(status)")
            #expect(answer.errorCode == "invalid_archive")
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
        }
    }

    // The YAML reader refuses nesting past its limit (1,000 levels) before it recurses into it.
    @Test("A manifest nested 30,000 levels deep is refused with invalid_input, in a build and on its own, and the server keeps answering",
        arguments: [String(repeating: "[", count: 30_000), "stable: " + String(repeating: "- ", count: 30_000) + "x"])
    func deepManifest(_ text: String) async throws {
        try await TestServer.run(framework: .router) { server in
            let zip = try PluginZip.zip([("private_blog/private_blog.php", "<?php\n/*\n * Plugin Name: Private Blog\n * Version: 1.0\n */\n"), ("private_blog/extensions/deep.yaml", text)])
            let (status, answer) = try await server.upload(zip)
            #expect(status == .badRequest)
            #expect(answer.errorCode == "invalid_input")
            let direct = try await server.client.execute(
                uri: "/api/v1/private_blog/extensions/deep", method: .put, headers: server.headers(), body: ByteBuffer(string: text)
            ) { ($0.status, try envelope($0)) }
            #expect(direct.0 == .badRequest)
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
        }
    }
}
