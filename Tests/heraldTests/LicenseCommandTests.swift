import Foundation
import HeraldTestSupport
import Testing

/// `herald license`: keys shown once and kept hashed, search by customer, revocation.
@Suite("License commands")
struct LicenseCommandTests {
    @Test("create prints the id then the key; the database keeps only its hash; search and revoke find it")
    func lifecycle() async throws {
        try await withTemporaryFolder("cli") { data in
            #expect(try HeraldBinary.run(["product", "create", "private_blog", "--name", "Private Blog", "--kind", "plugin", "--data-dir", data]).status == 0)
            let created = try HeraldBinary.run([
                "license", "create", "--customer", "David Mahler", "--email", "david@example.com", "--product", "private_blog", "--sites", "3",
                "--expires", "2099-12-31", "--data-dir", data,
            ])
            #expect(created.status == 0, "\(created.stderr)")
            let key = try #require(created.stdoutLines.last)
            #expect(key.hasPrefix("HRLD-") && key.count == 37)
            for file in ["herald.sqlite", "herald.sqlite-wal"] {
                let stored = (try? Data(contentsOf: URL(fileURLWithPath: data + "/" + file))) ?? Data()
                #expect(stored.range(of: Data(key.utf8)) == nil, "\(file) holds the key")
            }

            let found = try HeraldBinary.run(["license", "search", "mahler", "--data-dir", data])
            #expect(found.stdoutLines.count == 1)
            #expect(found.stdout.contains("…\(key.suffix(4))\tactive\tDavid Mahler <david@example.com>\tprivate_blog\t-\t3 sites"))
            #expect(try HeraldBinary.run(["license", "search", "nobody", "--data-dir", data]).stdoutLines.isEmpty)

            #expect(try HeraldBinary.run(["license", "revoke", key, "--data-dir", data]).status == 0)
            #expect(try HeraldBinary.run(["license", "list", "--data-dir", data]).stdout.contains("\trevoked\t"))
            let unknown = try HeraldBinary.run(["license", "revoke", "HRLD-NOPE", "--data-dir", data])
            #expect(unknown.status != 0)
            #expect(unknown.stderrLines.count == 1)

            let badEmail = try HeraldBinary.run([
                "license", "create", "--customer", "X", "--email", "not-an-email", "--product", "private_blog", "--data-dir", data,
            ])
            #expect(badEmail.status != 0)
            #expect(badEmail.stderrLines == ["error: email 'not-an-email' is not an email address"])
        }
    }
}

@Suite("Help")
struct HelpTests {
    @Test("--help and help print the usage of the command named, and exit 0", arguments: [["--help"], ["publish", "--help"], ["help", "export", "goupdate"], ["license", "create", "-h"]])
    func help(arguments: [String]) throws {
        let result = try HeraldBinary.run(arguments)
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: herald"))
        #expect(!result.stdout.contains("CommandError"))
    }
}
