import AsyncHTTPClient
import Crypto
import Foundation
import HeraldCore
import HeraldStore
import HeraldTestSupport
import Logging
import NIOCore
import SQLKit
import Testing

/// What the README's quick start does, with the real binary over real HTTP.
@Suite("The herald server as a process")
struct QuickStartTests {
    /// A plugin zip made with the system's tools is not needed: a stored zip in the test.
    static func pluginZip(version: String) throws -> Data {
        // A minimal zip with one stored file, private_blog/private_blog.php, written by hand.
        let content = Data("<?php\n/*\n * Plugin Name: Private Blog\n * Version: \(version)\n */\n".utf8)
        return Data(StoredZip.make([("private_blog/private_blog.php", Array(content))]))
    }

    @Test("Quick start: serve, create a product and a token, publish, fetch latest, download, compare SHA-256")
    func quickStart() async throws {
        try await withTemporaryFolder("cli") { data in
            let server = try await ServerProcess(["--data-dir", data])
            defer { server.stop() }
            #expect(try HeraldBinary.run(["product", "create", "private_blog", "--name", "Private Blog", "--kind", "plugin", "--data-dir", data]).status == 0)
            let token = try #require(try HeraldBinary.run(["token", "create", "--name", "ci", "--data-dir", data]).stdoutLines.last)
            let zip = try Self.pluginZip(version: "5.0.1")
            let file = data + "/private_blog.zip"
            try zip.write(to: URL(fileURLWithPath: file))
            let published = try HeraldBinary.run(["publish", file, "--product", "private_blog", "--server", server.baseURL, "--token", token])
            #expect(published.status == 0, "\(published.stderr)")
            #expect(published.stdout.contains(SHA256.hash(data: zip).hexString))

            let latest = try await getJSON(server.baseURL + "/api/v1/private_blog/stable/latest/")
            let response = try #require(latest["response"] as? [String: Any])
            #expect(response["product_version"] as? String == "5.0.1")
            let url = try #require(response["download_url"] as? String)
            let downloaded = try await getData(url)
            #expect(SHA256.hash(data: downloaded).hexString == SHA256.hash(data: zip).hexString)
        }
    }

    @Test("SIGKILL during an upload: after a restart no build of it is visible, no temporary file is left, the next upload works")
    func crashDuringUpload() async throws {
        try await withTemporaryFolder("cli") { data in
            #expect(try HeraldBinary.run(["product", "create", "private_blog", "--name", "Private Blog", "--kind", "plugin", "--data-dir", data]).status == 0)
            let token = try #require(try HeraldBinary.run(["token", "create", "--name", "ci", "--data-dir", data]).stdoutLines.last)
            let first = try await ServerProcess(["--data-dir", data])

            // An upload that sends 3 MiB of a promised 8 MiB, then stalls; the server writes in 1 MiB batches.
            var request = HTTPClientRequest(url: first.baseURL + "/api/v1/private_blog/stable/builds?version=9.9")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.body = .stream(StallingBody(sendBytes: 3 << 20), length: .known(Int64(8 << 20)))
            let upload = Task { try await HTTPClient.shared.execute(request, timeout: .seconds(60)) }
            let temporaryFolder = data + "/blobs/tmp"
            var received = false
            for _ in 0..<200 where !received {
                try await Task.sleep(for: .milliseconds(50))
                received = try temporaryFiles(in: temporaryFolder).contains { $0.size >= 1 << 20 }
            }
            #expect(received, "the server never received the start of the upload")
            first.kill()
            upload.cancel()
            _ = try? await upload.value
            #expect(try temporaryFiles(in: temporaryFolder).contains { $0.size > 0 }, "the crash left a partial upload behind")

            let second = try await ServerProcess(["--data-dir", data])
            defer { second.stop() }
            #expect(try temporaryFiles(in: temporaryFolder).allSatisfy { $0.size == 0 }, "a partial upload survived the restart")
            let builds = try await getJSON(second.baseURL + "/api/v1/private_blog/stable/")
            #expect(((builds["response"] as? [String: Any])?["builds"] as? [Any])?.isEmpty == true)

            let zip = try Self.pluginZip(version: "1.0")
            let file = data + "/next.zip"
            try zip.write(to: URL(fileURLWithPath: file))
            let published = try HeraldBinary.run(["publish", file, "--product", "private_blog", "--server", second.baseURL, "--token", token])
            #expect(published.status == 0, "\(published.stderr)")
        }
    }

    @Test(
        "Two servers on one PostgreSQL database and data folder answer the same; a write through one is read through the other",
        .enabled(if: ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES_URL"] != nil))
    func twoInstances() async throws {
        try await TestPostgres.withDatabase { databaseURL in try await runTwoInstances(databaseURL: databaseURL) }
    }

    private func runTwoInstances(databaseURL: String) async throws {
            try await withTemporaryFolder("cli") { data in
                let options = ["--data-dir", data, "--database", databaseURL]
                let one = try await ServerProcess(options)
                defer { one.stop() }
                let two = try await ServerProcess(options)
                defer { two.stop() }
                #expect(try HeraldBinary.run(["product", "create", "private_blog", "--name", "Private Blog", "--kind", "plugin"] + options).status == 0)
                let token = try #require(try HeraldBinary.run(["token", "create", "--name", "ci"] + options).stdoutLines.last)

                for (index, (writer, reader)) in [(one, two), (two, one)].enumerated() {
                    let version = "1.\(index)"
                    let file = data + "/build-\(index).zip"
                    try Self.pluginZip(version: version).write(to: URL(fileURLWithPath: file))
                    let published = try HeraldBinary.run(["publish", file, "--product", "private_blog", "--server", writer.baseURL, "--token", token])
                    #expect(published.status == 0, "\(published.stderr)")
                    let started = ContinuousClock.now
                    var seen: String?
                    while seen != version, ContinuousClock.now - started < .seconds(1) {
                        let check = try await getJSON(
                            reader.baseURL + "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.1")
                        seen = (check["response"] as? [String: Any])?["new_version"] as? String
                    }
                    #expect(seen == version, "the other instance did not answer \(version) within one second")
                    let fromOne = try await getJSON(one.baseURL + "/api/v1/private_blog/stable/latest/")["response"] as? [String: Any]
                    let fromTwo = try await getJSON(two.baseURL + "/api/v1/private_blog/stable/latest/")["response"] as? [String: Any]
                    #expect(fromOne?["build_hash"] as? String == fromTwo?["build_hash"] as? String)
                    let download = try #require(fromTwo?["persistent_download_url"] as? String)
                    #expect(try await getData(download).count > 0)
                }

                // A pin through one instance and a license revoked through the other: each is
                // answered by the other instance within one second.
                let first = SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: data + "/build-0.zip"))).hexString
                let pinned = try HeraldBinary.run(["pin", "private_blog", "stable", first, "--server", one.baseURL, "--token", token])
                #expect(pinned.status == 0, "\(pinned.stderr)")
                let check = "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.1"
                #expect(try await Self.within(.seconds(1)) {
                    ((try await getJSON(two.baseURL + check))["response"] as? [String: Any])?["new_version"] as? String == "1.0"
                }, "the pin was not answered by the other instance within one second")
                let issued = try HeraldBinary.run(["license", "create", "--customer", "Acme", "--email", "it@acme.test", "--product", "private_blog"] + options)
                let key = try #require(issued.stdoutLines.last)
                let licensed = check + "&site_url=https://shop.acme.test&license=" + key
                #expect((try await getJSON(one.baseURL + licensed))["response"] is [String: Any])
                let revoked = try HeraldBinary.run(["license", "revoke", key] + options)
                #expect(revoked.status == 0, "\(revoked.stderr)")
                #expect(try await Self.within(.seconds(1)) {
                    let messages = (try await getJSON(one.baseURL + licensed))["messages"] as? [[String: Any]]
                    return messages?.first?["code"] as? String == "license_revoked"
                }, "the revocation was not answered by the other instance within one second")
            }
    }

    /// Whether `condition` holds within `limit`, asked again and again until then.
    private static func within(_ limit: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        let started = ContinuousClock.now
        repeat {
            if try await condition() { return true }
        } while ContinuousClock.now - started < limit
        return false
    }

    private func temporaryFiles(in folder: String) throws -> [(path: String, size: Int)] {
        let files = FileManager.default
        return (files.subpaths(atPath: folder) ?? []).compactMap { path in
            let full = folder + "/" + path
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue, !path.hasSuffix(".lock") else {
                return nil
            }
            let size = (try? files.attributesOfItem(atPath: full)[.size] as? NSNumber)?.intValue ?? 0
            return (path, size)
        }
    }
}

/// Sends `sendBytes` bytes, then waits until cancelled.
struct StallingBody: AsyncSequence, Sendable {
    let sendBytes: Int

    func makeAsyncIterator() -> Iterator { Iterator(remaining: sendBytes) }

    struct Iterator: AsyncIteratorProtocol {
        var remaining: Int

        mutating func next() async throws -> ByteBuffer? {
            if remaining > 0 {
                let count = Swift.min(remaining, 64 * 1024)
                remaining -= count
                return ByteBuffer(repeating: 0x41, count: count)
            }
            try await Task.sleep(for: .seconds(3600))
            return nil
        }
    }
}

extension Sequence<UInt8> {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}

func getJSON(_ url: String) async throws -> [String: Any] {
    let data = try await getData(url)
    return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
}

func getData(_ url: String) async throws -> Data {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
    var buffer = try await response.body.collect(upTo: 256 << 20)
    return buffer.readData(length: buffer.readableBytes) ?? Data()
}
