import Foundation
import HeraldCore
import HeraldStore
import HeraldTestSupport
import Logging
import Testing

@Suite("The herald command")
struct CommandLineTests {
    @Test("product create makes the product; a second time is one clear error line")
    func productCreate() async throws {
        try await withTemporaryFolder("cli") { data in
            let created = try HeraldBinary.run(["product", "create", "private_blog", "--name", "Private Blog", "--kind", "plugin", "--data-dir", data])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout.contains("private_blog"))
            let again = try HeraldBinary.run(["product", "create", "private_blog", "--name", "Private Blog", "--kind", "plugin", "--data-dir", data])
            #expect(again.status != 0)
            #expect(again.stderrLines == ["error: product 'private_blog' already exists"])
            let channels = try await withStore(data) { try await $0.channels(of: ProductID(validating: "private_blog")) }
            #expect(channels.map(\.id.rawValue) == ["beta", "development", "stable"])
        }
    }

    @Test(
        "User errors print one line on stderr, saying what is wrong, and exit non-zero, never a trace",
        arguments: [
            (["product", "create", "Private Blog", "--name", "x", "--kind", "plugin"], "is invalid"),
            (["product", "create", "blog", "--name", "x", "--kind", "widget"], "widget"),
            (["product", "create", "blog", "--name", "   ", "--kind", "plugin"], "name"),
            (["product", "create", "blog", "--name", "two\nlines", "--kind", "plugin"], "control characters"),
            (["product", "create", "bad\nid", "--name", "x", "--kind", "plugin"], "is invalid"),
            (["product", "create", "blog", "--kind", "plugin"], "--name"),
            (["product", "create", "builds", "--name", "x", "--kind", "plugin"], "reserved"),
            (["product", "create", "blog", "--name", "x", "--kind", "app", "--database", "mysql://db/herald"], "database URL"),
            (["token", "create", "--name", "ci", "--product", "missing"], "missing"),
            (["token", "create", "--name", "ci", "--product", "../etc"], "../etc"),
            (["serve", "--port", "70000"], "--port"),
            (["publish-everything"], "publish-everything"),
        ])
    func userErrors(arguments: [String], says expected: String) async throws {
        try await withTemporaryFolder("cli") { data in
            let result = try HeraldBinary.run(arguments + (arguments.first == "publish-everything" ? [] : ["--data-dir", data]))
            #expect(result.status != 0)
            #expect(result.stderrLines.count == 1, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("error: "))
            #expect(result.stderr.contains(expected), "\(result.stderr)")
            #expect(!result.stderr.contains("Backtrace") && !result.stderr.contains("Fatal"))
        }
    }

    @Test("token create prints the token alone on the last line; only its hash is stored")
    func tokenCreate() async throws {
        try await withTemporaryFolder("cli") { data in
            _ = try HeraldBinary.run(["product", "create", "private_blog", "--name", "Private Blog", "--kind", "plugin", "--data-dir", data])
            let result = try HeraldBinary.run(["token", "create", "--name", "ci", "--product", "private_blog", "--data-dir", data])
            #expect(result.status == 0, "\(result.stderr)")
            let secret = try #require(result.stdoutLines.last)
            #expect(secret.hasPrefix("hrld_") && !secret.contains(" "))
            let token = try await withStore(data) { try await $0.token(forSecret: secret) }
            #expect(token?.name == "ci")
            #expect(token?.products == [try ProductID(validating: "private_blog")])
            for file in try FileManager.default.contentsOfDirectory(atPath: data) {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: data).appendingPathComponent(file))
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "the secret is stored in \(file)")
            }
        }
    }

    @Test("serve logs the address it listens on and answers /healthz over HTTP")
    func serve() async throws {
        try await withTemporaryFolder("cli") { data in
            let log = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("herald-serve-\(UUID().uuidString).log")
            try #require(FileManager.default.createFile(atPath: log.path, contents: nil))
            defer { try? FileManager.default.removeItem(at: log) }
            let process = Process()
            process.executableURL = HeraldBinary.url
            process.arguments = ["serve", "--port", "0", "--data-dir", data]
            process.standardOutput = try FileHandle(forWritingTo: log)
            process.standardError = process.standardOutput
            try process.run()
            defer { if process.isRunning { process.terminate() } }

            var address: String?
            for _ in 0..<600 where address == nil {
                try await Task.sleep(for: .milliseconds(100))
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                address = text.split(separator: "\n").first { $0.contains("listening on http://") }
                    .flatMap { $0.split(separator: " ").last.map(String.init) }
            }
            let base = try #require(address, "no 'listening on' line in: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            let (status, body) = try await httpGet(try #require(URL(string: base + "/healthz")))
            #expect(status == 200)
            #expect(body.contains("reachable"))
            #expect(FileManager.default.fileExists(atPath: data + "/herald.sqlite"))

            process.terminate()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
    }
}
