import Crypto
import Foundation
import HeraldTestSupport
import Testing

/// `herald import` on a content tree of seed 002, then seed 002's four actions on it.
@Suite("herald import and the WordPress Package API")
struct ImportTests {
    /// plugins/herp-derp/1.0 and 1.2, themes/foo/1.0 (package URLs relative to the content
    /// root, or absolute under the root URL; `package: {zip}`, or for the theme the
    /// `packages: [{zip}]` that seed 002 reads too), and one broken release.json.
    static func makeTree(at root: String) throws {
        func release(_ kind: String, _ slug: String, _ version: String, header: String, absolute: Bool = false, list: Bool = false) throws {
            let folder = "\(root)/\(kind)/\(slug)/\(version)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let file = kind == "themes" ? "\(slug)/style.css" : "\(slug)/\(slug).php"
            let zip = Data(StoredZip.make([(file, Array(Data(header.utf8)))]))
            try zip.write(to: URL(fileURLWithPath: "\(folder)/\(slug)-\(version).zip"))
            let relative = "\(kind)/\(slug)/\(version)/\(slug)-\(version).zip"
            let package = absolute ? "http://api.example.com/wordpress/content/\(relative)" : relative
            let packageField = list ? #""packages":[{"zip":"\#(package)"}]"# : #""package":{"zip":"\#(package)"}"#
            let json = #"{"name":"\#(slug)","version":"\#(version)","date":"2012-06-29 21:47:12 -0700",\#(packageField)}"#
            try Data(json.utf8).write(to: URL(fileURLWithPath: "\(folder)/release.json"))
        }
        try release("plugins", "herp-derp", "1.0", header: "<?php\n/*\nPlugin Name: Herp Derp\nVersion: 1.0\n*/\n")
        try release("plugins", "herp-derp", "1.2", header: "<?php\n/*\nPlugin Name: Herp Derp\nVersion: 1.2\n*/\n", absolute: true)
        try release("themes", "foo", "1.0", header: "/*\nTheme Name: Foo\nVersion: 1.0\n*/\n", list: true)
        try FileManager.default.createDirectory(atPath: "\(root)/plugins/broken/1.0", withIntermediateDirectories: true)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: "\(root)/plugins/broken/1.0/release.json"))
    }

    @Test("A tree imports once; a broken release.json is named and skipped; seed 002's actions answer its shapes")
    func importAndAnswer() async throws {
        try await withTemporaryFolder("cli") { data in
            let tree = data + "-tree"
            defer { try? FileManager.default.removeItem(atPath: tree) }
            try Self.makeTree(at: tree)
            let arguments = ["import", tree, "--root-url", "http://api.example.com/wordpress/content", "--data-dir", data]
            let first = try HeraldBinary.run(arguments)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdoutLines.last == "3 imported, 0 already present, 1 skipped")
            #expect(first.stderrLines.count == 1)
            #expect(first.stderr.contains("plugins/broken/1.0/release.json"))
            let second = try HeraldBinary.run(arguments)
            #expect(second.stdoutLines.last == "0 imported, 3 already present, 1 skipped")

            let server = try await ServerProcess(["--data-dir", data])
            defer { server.stop() }
            let base = server.baseURL + "/wordpress/?"
            let index = try JSONSerialization.jsonObject(with: try await getData(base + "action=index")) as? [String]
            #expect(index == [
                "packages/plugins/herp-derp/1.0/release.json", "packages/plugins/herp-derp/1.2/release.json",
                "packages/themes/foo/1.0/release.json",
            ])
            let show = try await getJSON(base + "action=show&slug=plugins/herp-derp")
            #expect(show["slug"] as? String == "plugins/herp-derp")
            let versions = try #require(show["versions"] as? [String: [String: String]])
            #expect(versions.keys.sorted() == ["1.0", "1.2"])
            #expect(versions["1.0"]?["version"] == "1.0")
            #expect(versions["1.0"]?["date"] == "2012-06-29 21:47:12 -0700", "as release.json writes it")
            #expect(versions["1.2"]?["package"] == server.baseURL + "/download/herp-derp/1.2/herp-derp-1.2.zip")
            let one = try await getJSON(base + "action=show&slug=plugins/herp-derp&version=1.0")
            #expect(Set(one.keys) == ["version", "date", "package"])
            #expect(one["version"] as? String == "1.0")
            for latestURL in [
                base + "action=show&slug=plugins/herp-derp&version=latest", base + "action=latest&slug=plugins/herp-derp",
                base + "action=LATEST&slug=plugins/herp-derp",
            ] {
                let latest = try await getJSON(latestURL)
                #expect(Set(latest.keys) == ["version", "date", "package"])
                #expect(latest["version"] as? String == "1.2")
            }
            let older = try await getJSON(base + "action=check&slug=plugins/herp-derp&version=1.0")
            #expect(older["new_version"] as? String == "1.2")
            #expect(older["slug"] as? String == "plugins/herp-derp")
            #expect(older["package"] as? String == server.baseURL + "/download/herp-derp/1.2/herp-derp-1.2.zip")
            let current = try await getJSON(base + "action=check&slug=plugins/herp-derp&version=1.2")
            #expect(current["new_version"] == nil)
            #expect(current["date"] as? String == "2012-06-29 21:47:12 -0700")
            let theme = try await getJSON(base + "action=show&slug=themes/foo")
            #expect((theme["versions"] as? [String: Any])?.keys.sorted() == ["1.0"])
            let downloaded = try await getData(versions["1.0"]?["package"] ?? "")
            #expect(downloaded == (try Data(contentsOf: URL(fileURLWithPath: "\(tree)/plugins/herp-derp/1.0/herp-derp-1.0.zip"))))
        }
    }

    @Test("A package URL outside the tree is downloaded, streamed and hashed")
    func remotePackage() async throws {
        try await withTemporaryFolder("cli") { data in
            let origin = data + "-origin"
            let tree = data + "-tree"
            defer {
                try? FileManager.default.removeItem(atPath: origin)
                try? FileManager.default.removeItem(atPath: tree)
            }
            #expect(try HeraldBinary.run(["product", "create", "herp-derp", "--name", "Herp Derp", "--kind", "plugin", "--data-dir", origin]).status == 0)
            let token = try #require(try HeraldBinary.run(["token", "create", "--name", "ci", "--data-dir", origin]).stdoutLines.last)
            let server = try await ServerProcess(["--data-dir", origin])
            defer { server.stop() }
            let zip = Data(StoredZip.make([("herp-derp/herp-derp.php", Array(Data("<?php\n/*\nPlugin Name: Herp Derp\nVersion: 2.0\n*/\n".utf8)))]))
            let file = origin + "/herp-derp-2.0.zip"
            try zip.write(to: URL(fileURLWithPath: file))
            #expect(try HeraldBinary.run(["publish", file, "--product", "herp-derp", "--server", server.baseURL, "--token", token]).status == 0)

            let folder = tree + "/plugins/herp-derp/2.0"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let url = server.baseURL + "/download/herp-derp/2.0/herp-derp-2.0.zip"
            try Data(#"{"version":"2.0","package":{"zip":"\#(url)"}}"#.utf8).write(to: URL(fileURLWithPath: folder + "/release.json"))
            let imported = try HeraldBinary.run(["import", tree, "--data-dir", data])
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(imported.stdoutLines.last == "1 imported, 0 already present, 0 skipped")
            #expect(imported.stdout.contains(SHA256.hash(data: zip).hexString))
        }
    }
}
