import Foundation
import HeraldTestSupport
import Testing

/// `herald product update`, `herald message`, `herald rollout`, `herald stats` on a data folder.
@Suite("Customer commands")
struct CustomerCommandTests {
    @Test("product update --premium, message create/list/delete, stats, and a rollout that does not exist")
    func commands() async throws {
        try await withTemporaryFolder("cli") { data in
            let folder = ["--data-dir", data]
            #expect(try HeraldBinary.run(["product", "create", "private_blog", "--name", "Private Blog", "--kind", "plugin"] + folder).status == 0)
            let premium = try HeraldBinary.run(["product", "update", "private_blog", "--premium"] + folder)
            #expect(premium.stdout.contains("premium"), "\(premium.stderr)")
            #expect(try HeraldBinary.run(["product", "update", "private_blog", "--no-premium"] + folder).stdout.contains("free"))

            let created = try HeraldBinary.run(
                ["message", "create", "--product", "private_blog", "--type", "warning", "--text", "Renew soon", "--code", "renew",
                 "--channel", "stable", "--url-pattern", "*.example.com*", "--until", "2099-01-01"] + folder)
            #expect(created.status == 0, "\(created.stderr)")
            let id = try #require(created.stdoutLines.last)
            let listed = try HeraldBinary.run(["message", "list", "private_blog"] + folder)
            #expect(listed.stdout.contains("\(id)\twarning\trenew\tRenew soon\tchannels stable; sites *.example.com*; until 2099-01-02T00:00:00Z"))
            let badType = try HeraldBinary.run(["message", "create", "--product", "private_blog", "--type", "shout", "--text", "x"] + folder)
            #expect(badType.status != 0)
            #expect(badType.stderrLines.count == 1)
            #expect(try HeraldBinary.run(["message", "delete", "private_blog", id] + folder).status == 0)
            #expect(try HeraldBinary.run(["message", "list", "private_blog"] + folder).stdoutLines.isEmpty)

            let stats = try HeraldBinary.run(["stats", "private_blog", "--days", "7"] + folder)
            #expect(stats.stdoutLines.first?.hasPrefix("private_blog: 0 active sites, 0 checks") == true, "\(stats.stdout)\(stats.stderr)")

            let missing = try HeraldBinary.run(["rollout", "show", "private_blog", "stable"] + folder)
            #expect(missing.status != 0)
            #expect(missing.stderr.contains("no staged rollout"))
            let lower = try HeraldBinary.run(["rollout", "start", "private_blog", "stable", "0123456789abcdef", "--percentage", "120"] + folder)
            #expect(lower.status != 0)
            #expect(lower.stderr.contains("percentage '120' is invalid"))
        }
    }

    @Test("export goupdate refuses a premium app: a static folder would give its files to anyone")
    func exportRefusesPremium() async throws {
        try await withTemporaryFolder("cli") { data in
            let folder = ["--data-dir", data]
            #expect(try HeraldBinary.run(["product", "create", "tool", "--name", "Tool", "--kind", "app"] + folder).status == 0)
            #expect(try HeraldBinary.run(["product", "update", "tool", "--premium"] + folder).status == 0)
            let out = data + "-export"
            defer { try? FileManager.default.removeItem(atPath: out) }
            let export = try HeraldBinary.run(["export", "goupdate", "tool", "--out", out] + folder)
            #expect(export.status != 0)
            #expect(export.stderr.contains("premium"), "\(export.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
