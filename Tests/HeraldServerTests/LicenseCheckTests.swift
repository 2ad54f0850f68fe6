import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Licenses in update checks")
struct LicenseCheckTests {
    @Test("A license bound to a customer channel gets that channel's build; invalid, revoked and over-limit licenses get 403")
    func licensedChecks() async throws {
        try await TestServer.run { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            #expect(try await server.upload(try PluginZip.make(version: "2.0-beta1"), channel: "beta").0 == .created)
            let customer = try ChannelID(validating: "david_mahler")
            _ = try await server.store.saveChannel(customer, of: TestServer.product, settings: ChannelSettings(aliasFor: .some(.beta)))
            let issued = try await server.store.createLicense(
                customerName: "David Mahler", customerEmail: "david@example.com", products: [TestServer.product], channel: customer, siteLimit: 1)
            let base = "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.9"

            let licensed = try await server.get(base + "&license=\(issued.key)&site_url=https://one.example")
            #expect(licensed.0 == .ok)
            #expect(licensed.1.response["new_version"] as? String == "2.0-beta1")
            #expect(try await server.get(base + "&site_url=https://one.example").1.response["new_version"] as? String == "1.0")

            let secondSite = try await server.get(base + "&license=\(issued.key)&site_url=https://two.example")
            #expect(secondSite.0 == .forbidden)
            #expect(secondSite.1.errorCode == "license_site_limit")
            let unknown = try await server.get(base + "&license=HRLD-WRONG&site_url=https://one.example")
            #expect(unknown.0 == .forbidden)
            #expect(unknown.1.errorCode == "license_invalid")

            let agent = try await server.client.execute(
                uri: base + "&license=\(issued.key)", method: .get, headers: [.userAgent: "WordPress/6.1.9; https://one.example"]
            ) { ($0.status, try envelope($0)) }
            #expect(agent.0 == .ok)

            try await server.store.revokeLicense(issued.license.id)
            let revoked = try await server.client.execute(
                uri: "/api/check_for_update/", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"product_name": "private_blog", "license": "\#(issued.key)", "site_url": "https://one.example"}"#)
            ) { ($0.status, try envelope($0)) }
            #expect(revoked.0 == .forbidden)
            #expect(revoked.1.errorCode == "license_revoked")
        }
    }
}
