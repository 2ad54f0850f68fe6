import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("The WordPress API: plugin-update-checker's get_metadata and download, and errors")
struct WordPressAPITests {
    static let readme = """
        === Private Blog ===
        Stable tag: 2.0
        Requires at least: 6.0
        Tested up to: 6.7

        == Description ==
        Keeps a blog **private**. See [the site](https://example.com/?a=1&b=2).

        == Frequently Asked Questions ==
        = Is it free? =
        No. <script>alert(1)</script>

        == Changelog ==
        = 2.0 =
        * Added things.
        * Fixed others.

        == Upgrade Notice ==
        = 2.0 =
        Upgrade now.
        """

    @Test("get_metadata answers plugin-update-checker's fields, readme sections as escaped HTML")
    func metadata() async throws {
        try await TestServer.run { server in
            let header = "<?php\n/*\nPlugin Name: Private Blog\nVersion: 2.0\nRequires PHP: 7.4\nAuthor: Jane\nAuthor URI: https://jane.example\n*/\n"
            let zip = try PluginZip.zip([("private_blog/private_blog.php", header), ("private_blog/readme.txt", Self.readme)])
            #expect(try await server.upload(zip).0 == .created)
            let (status, metadata) = try await server.get("/wordpress/?action=get_metadata&slug=private_blog&installed_version=1.0&php=8.2&locale=en_US&checking_for_updates=1")
            #expect(status == .ok)
            #expect(metadata["name"] as? String == "Private Blog")
            #expect(metadata["slug"] as? String == "private_blog")
            #expect(metadata["version"] as? String == "2.0")
            #expect(metadata["requires"] as? String == "6.0")
            #expect(metadata["tested"] as? String == "6.7")
            #expect(metadata["requires_php"] as? String == "7.4")
            #expect(metadata["author"] as? String == "Jane")
            #expect(metadata["author_homepage"] as? String == "https://jane.example")
            #expect(metadata["upgrade_notice"] as? String == "Upgrade now.")
            #expect((metadata["download_url"] as? String)?.hasSuffix("/download/private_blog/2.0/private_blog.zip") == true)
            #expect((metadata["last_updated"] as? String)?.count == 19)
            let sections = try #require(metadata["sections"] as? [String: String])
            #expect(sections["description"] == #"<p>Keeps a blog <strong>private</strong>. See <a href="https://example.com/?a=1&amp;b=2">the site</a>.</p>"#)
            #expect(sections["faq"] == "<h4>Is it free?</h4>\n<p>No. &lt;script&gt;alert(1)&lt;/script&gt;</p>")
            #expect(sections["changelog"] == "<h4>2.0</h4>\n<ul>\n<li>Added things.</li>\n<li>Fixed others.</li>\n</ul>")
            #expect(sections["upgrade_notice"] == nil)

            try await server.client.execute(uri: "/wordpress/?action=download&slug=private_blog", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location]?.hasSuffix("/download/private_blog/2.0/private_blog.zip") == true)
            }
        }
    }

    @Test("The channel parameter picks the channel; stable does not see a beta-only build")
    func channels() async throws {
        try await TestServer.run { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            #expect(try await server.upload(try PluginZip.make(version: "1.1-beta1"), channel: "beta").0 == .created)
            #expect(try await server.get("/wordpress/?action=get_metadata&slug=private_blog").1["version"] as? String == "1.0")
            #expect(try await server.get("/wordpress/?action=get_metadata&slug=private_blog&channel=beta").1["version"] as? String == "1.1-beta1")
            let check = try await server.get("/wordpress/?action=check&slug=plugins/private_blog&version=1.0&channel=beta").1
            #expect(check["new_version"] as? String == "1.1-beta1")
            let stable = try await server.get("/wordpress/?action=check&slug=plugins/private_blog&version=1.0")
            #expect(stable.0 == .ok)
            #expect(stable.1["new_version"] == nil)
        }
    }

    @Test("Answers are gzipped for clients that accept it, cached update checks too")
    func gzip() async throws {
        try await TestServer.run { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let check = "/api/check_for_update/?product_name=private_blog&current_product_version=0.9"
            for uri in ["/wordpress/?action=show&slug=plugins/private_blog", check, check] {
                let plain = try await server.client.execute(uri: uri, method: .get) { Data(buffer: $0.body) }
                try await server.client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "deflate, gzip"]) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentEncoding] == "gzip")
                    #expect(response.headers[.vary] == "Accept-Encoding")
                    #expect(response.headers[.contentLength] == String(response.body.readableBytes))
                    var body = response.body
                    let decompressed = try body.decompress(with: .gzip())
                    #expect(Data(buffer: decompressed) == plain)
                }
                try await server.client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "gzip;q=0, identity"]) { response in
                    #expect(response.headers[.contentEncoding] == nil)
                    #expect(Data(buffer: response.body) == plain)
                }
            }
        }
    }

    @Test(
        "Bad WordPress API requests get a JSON error with a 4xx status",
        arguments: [
            ("/wordpress/", HTTPResponse.Status.badRequest, "invalid_action"),
            ("/wordpress/?action=nope", .badRequest, "invalid_action"),
            ("/wordpress/?action=show", .badRequest, "invalid_slug"),
            ("/wordpress/?action=show&slug=private_blog", .badRequest, "invalid_slug"),
            ("/wordpress/?action=show&slug=plugins/../etc", .badRequest, "invalid_slug"),
            ("/wordpress/?action=show&slug=plugins/..", .badRequest, "invalid_product"),
            ("/wordpress/?action=show&slug=themes/private_blog", .notFound, "unknown_product"),
            ("/wordpress/?action=show&slug=plugins/nobody", .notFound, "unknown_product"),
            ("/wordpress/?action=show&slug=plugins/private_blog&version=9.9", .notFound, "unknown_version"),
            ("/wordpress/?action=show&slug=plugins/private_blog&version=a%20b", .badRequest, "invalid_version"),
            ("/wordpress/?action=check&slug=plugins/private_blog", .badRequest, "invalid_version"),
            ("/wordpress/?action=latest&slug=plugins/private_blog&channel=nope", .notFound, "unknown_channel"),
            ("/wordpress/?action=latest&slug=plugins/private_blog&channel=..", .badRequest, "invalid_channel"),
            ("/wordpress/?action=get_metadata", .badRequest, "invalid_slug"),
            ("/wordpress/?action=download&slug=other_plugin", .notFound, "no_build"),
        ])
    func badRequests(uri: String, status: HTTPResponse.Status, code: String) async throws {
        try await TestServer.run(framework: .router) { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let (answered, body) = try await server.get(uri)
            #expect(answered == status)
            #expect(body.errorCode == code)
        }
    }
}
