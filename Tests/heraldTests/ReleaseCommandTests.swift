import Foundation
import HeraldTestSupport
import Testing

/// `herald extension put`, `herald plan` and `herald publish-all`, with the binary, over HTTP.
@Suite("Release commands")
struct ReleaseCommandTests {
    @Test("An extension's beta tag makes the plan propose a build for beta; publish-all --yes applies it")
    func planAndPublishAll() async throws {
        try await withTemporaryFolder("cli") { data in
            #expect(try HeraldBinary.run(["product", "create", "private_blog", "--name", "Private Blog", "--kind", "plugin", "--data-dir", data]).status == 0)
            let token = try #require(try HeraldBinary.run(["token", "create", "--name", "ci", "--data-dir", data]).stdoutLines.last)
            let server = try await ServerProcess(["--data-dir", data])
            defer { server.stop() }
            let remote = ["--server", server.baseURL, "--token", token]
            for version in ["5.3.0", "5.4.0"] {
                let file = data + "/\(version).zip"
                try QuickStartTests.pluginZip(version: version).write(to: URL(fileURLWithPath: file))
                #expect(try HeraldBinary.run(["publish", file, "--product", "private_blog", "--channel", "development"] + remote).status == 0)
            }
            let manifest = data + "/session-expiry.yaml"
            try Data("name: Session Expiry\npremium: true\nbeta: 5.3.x\n".utf8).write(to: URL(fileURLWithPath: manifest))
            let put = try HeraldBinary.run(["extension", "put", "private_blog", manifest] + remote)
            #expect(put.status == 0, "\(put.stderr)")

            let plan = try HeraldBinary.run(["plan", "private_blog"] + remote)
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stdoutLines.contains("beta\t-\t-> 5.3.0"))
            #expect(plan.stdout.contains("missing_tag: The extension 'Session Expiry' has no stable tag."))

            let published = try HeraldBinary.run(["publish-all", "private_blog", "--channel", "beta", "--yes"] + remote)
            #expect(published.status == 0, "\(published.stderr)")
            let latest = try await getJSON(server.baseURL + "/api/v1/private_blog/beta/latest/")
            #expect((latest["response"] as? [String: Any])?["product_version"] as? String == "5.3.0")
            let history = try await getJSON(server.baseURL + "/api/v1/private_blog/history/")
            let moves = ((history["response"] as? [String: Any])?["history"] as? [[String: Any]]) ?? []
            #expect(moves.contains { $0["channel"] as? String == "beta" && ($0["move"] as? [String: Any])?["reason"] as? String == "promotion" })
        }
    }
}
