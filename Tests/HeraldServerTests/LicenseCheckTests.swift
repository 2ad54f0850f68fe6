import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Licenses in update checks")
struct LicenseCheckTests {
    @Test("A license bound to a customer channel gets that channel's build; invalid, revoked and over-limit licenses of a premium product get 403")
    func licensedChecks() async throws {
        try await TestServer.run { server in
            _ = try await server.store.updateProduct(TestServer.product, premium: true)
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

    @Test("A free product answers a site whatever license it sends: an unknown, revoked or over-limit key is a notice, never a refusal")
    func freeProductLicenses() async throws {
        try await TestServer.run { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let issued = try await server.store.createLicense(
                customerName: "Ada", customerEmail: "ada@example.com", products: [TestServer.product], siteLimit: 1)
            let check = "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.9"
            let metadata = "/wordpress/?action=get_metadata&slug=private_blog&installed_version=0.9"
            func codes(_ answer: [String: Any]) -> [String] { (answer["messages"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? [] }

            let unknown = try await server.get(check + "&license=SHOP-KEY-123&site_url=https://one.example")
            #expect(unknown.0 == .ok)
            #expect(unknown.1.response["update_available"] as? Bool == true)
            #expect(unknown.1.response["download_url"] is String)
            #expect(codes(unknown.1).contains("license_invalid"))
            let pluginUpdateChecker = try await server.client.execute(uri: metadata + "&license_key=SHOP-KEY-123", method: .get) { response in
                (response.status, try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            }
            #expect(pluginUpdateChecker.0 == .ok)
            #expect(pluginUpdateChecker.1?["version"] as? String == "1.0")

            #expect(try await server.get(check + "&license=\(issued.key)&site_url=https://one.example").0 == .ok)
            let overLimit = try await server.get(check + "&license=\(issued.key)&site_url=https://two.example")
            #expect(overLimit.0 == .ok)
            #expect(codes(overLimit.1).contains("license_site_limit"))
            try await server.store.revokeLicense(issued.license.id)
            let revoked = try await server.get(check + "&license=\(issued.key)&site_url=https://one.example")
            #expect(revoked.0 == .ok)
            #expect(codes(revoked.1).contains("license_revoked"))
            #expect(revoked.1.response["new_version"] as? String == "1.0")
        }
    }
}
