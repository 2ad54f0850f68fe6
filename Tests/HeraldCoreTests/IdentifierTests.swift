import HeraldFormats
import Testing

@testable import HeraldCore

@Suite("Identifiers")
struct IdentifierTests {
    @Test("Valid product and channel ids", arguments: ["a", "private_blog", "rapid-release", "0", String(repeating: "a", count: 64)])
    func validSlugs(value: String) throws {
        #expect(try ProductID(validating: value).rawValue == value)
        #expect(try ChannelID(validating: value).rawValue == value)
    }

    @Test(
        "Invalid product ids are refused with field, value and rule",
        arguments: ["", "Private", "_blog", "-x", "a b", "blog/..", "../etc", "é", String(repeating: "a", count: 65), "a.b"])
    func invalidProducts(value: String) {
        #expect {
            try ProductID(validating: value)
        } throws: { error in
            guard let error = error as? HeraldError else { return false }
            return error.code == "invalid_product" && error.message.contains("product") && error.message.contains(ProductID.rule)
        }
    }

    @Test("A channel error names the field it came from")
    func channelFieldName() {
        #expect {
            try ChannelID(validating: "Stable", field: "release_channel")
        } throws: { error in
            guard let error = error as? HeraldError else { return false }
            return error.code == "invalid_channel" && error.message.hasPrefix("release_channel 'Stable' is invalid")
        }
        #expect {
            try ChannelID(validating: "Stable")
        } throws: { error in
            (error as? HeraldError)?.code == "invalid_channel"
        }
    }

    @Test("Valid versions", arguments: ["1", "5.0.1", "2.1-beta3", "1.0+build.5", "v2", "1_0", String(repeating: "9", count: 64)])
    func validVersions(value: String) throws {
        #expect(try Version(validating: value).rawValue == value)
    }

    @Test("Invalid versions", arguments: ["", ".1", "-1", "1 0", "1/0", "1.0#", String(repeating: "9", count: 65), "1.0\n"])
    func invalidVersions(value: String) {
        #expect {
            try Version(validating: value)
        } throws: { error in
            (error as? HeraldError)?.code == "invalid_version"
        }
    }

    @Test("Build hashes are 64 lowercase hex; references 12 to 64")
    func hashes() throws {
        let hash = String(repeating: "ab", count: 32)
        #expect(try BuildHash(validating: hash).rawValue == hash)
        #expect(throws: HeraldError.self) { try BuildHash(validating: hash.uppercased()) }
        #expect(throws: HeraldError.self) { try BuildHash(validating: String(hash.dropLast())) }
        #expect(try BuildReference(validating: String(hash.prefix(12))).fullHash == nil)
        #expect(try BuildReference(validating: hash).fullHash?.rawValue == hash)
        #expect(throws: HeraldError.self) { try BuildReference(validating: String(hash.prefix(11))) }
        #expect(throws: HeraldError.self) { try BuildReference(validating: "zzzzzzzzzzzzzz") }
    }

    @Test("File names are never paths", arguments: ["../x.zip", "a/b.zip", ".htaccess", "", "x y.zip", String(repeating: "a", count: 129)])
    func invalidFileNames(value: String) {
        #expect(throws: HeraldError.self) { try FileName(validating: value) }
    }

    @Test("A long value is cut short in the message")
    func longValueIsCut() {
        let value = String(repeating: "X", count: 10_000)
        #expect {
            try ProductID(validating: value)
        } throws: { error in
            ((error as? HeraldError)?.message.count ?? .max) < 300
        }
    }

    @Test(
        "Trimming drops Unicode whitespace at both ends and nothing else",
        arguments: [
            ("plain", "plain"), ("  two words \t", "two words"), ("\r\n x\n", "x"), ("\u{A0}nbsp\u{2003}", "nbsp"), ("   ", ""), ("", ""),
            (" é ", "é"), ("WordPress/6.7; https://a.example", "WordPress/6.7; https://a.example"), (" e\u{301} ", "e\u{301}"),
        ])
    func trimming(text: String, trimmed: String) {
        #expect(text.trimmingWhitespace() == trimmed)
        #expect(text[...].trimmingWhitespace() == trimmed)
    }
}
