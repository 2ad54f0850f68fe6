import Foundation
import HeraldCore
import NIOCore
import Testing

@testable import HeraldServer

/// The answers written by hand are the bytes JSONEncoder writes (sorted keys, slashes as
/// they are), for strings that need every kind of escape.
@Suite("Answers written by hand")
struct AnswerEncodingTests {
    static let awkward = ["plain", "quote \" and backslash \\", "line\nbreak\ttab\r", "bell \u{07} and \u{1F}", "ünïcödé ✓ / slash", ""]

    @Test("A build object is byte for byte what JSONEncoder writes", arguments: awkward)
    func buildObject(_ text: String) throws {
        let build = Build(
            hash: try BuildHash(validating: String(repeating: "ab", count: 32)), md5: String(repeating: "c", count: 32),
            product: try ProductID(validating: "private_blog"), version: try Version(validating: "2.0-beta1"), channel: .beta,
            timestamp: 1_700_000_000_123, builder: Build.Builder(name: text.isEmpty ? nil : text, version: text.count > 12 ? "1.1.2" : nil), uploadedBy: text, size: 12_345,
            fileName: try FileName(validating: "private_blog.zip"), isLatest: true, requires: "6.0", tested: nil, requiresPHP: "7.4",
            changelog: text.isEmpty ? nil : text)
        let links = BuildLinks(download: "https://updates.example.com/download/x", persistent: nil, authenticated: text)
        var json = JSONWriter()
        UpdateCheckAnswer.writeBuild(build, links: links, into: &json)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try encoder.encode(BuildResource(build: build, links: links))
        #expect(String(buffer: json.buffer) == String(decoding: expected, as: UTF8.self))
    }

    @Test("Notices are byte for byte what JSONEncoder writes", arguments: awkward)
    func notices(_ text: String) throws {
        let notices = [Notice(level: .warning, code: "no_channel", message: text), Notice(level: .info, code: text, message: "x")]
        var json = JSONWriter()
        json.notices(notices)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(buffer: json.buffer) == String(decoding: try encoder.encode(notices), as: UTF8.self))
    }
}
