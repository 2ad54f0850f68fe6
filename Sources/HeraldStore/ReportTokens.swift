import Crypto
import Foundation
import HeraldCore
import Synchronization

/// Tokens that bind an outcome report to the answer that offered the update: the product,
/// the site's address, the build and the license the site was answered with, until an expiry,
/// under an HMAC-SHA256 secret every instance shares (``Store/serverSecret(named:)``). A report
/// without one is refused, so a rollout's guard weighs only sites Herald offered its build to,
/// and nobody can halt a release with made-up sites.
///
/// A token reads `EXPIRES.LICENSE.BUILD.MAC` (LICENSE is `-` without one).
public final class ReportTokens: Sendable {
    /// How long after the answer a site may report: updates are installed days after the check.
    public static let lifetime: Int64 = 14 * 86_400

    private let store: any Store
    private let key = Mutex<SymmetricKey?>(nil)

    public init(store: any Store) {
        self.store = store
    }

    /// A token for `site` (normalized) offered `build` of `product`, made `now` (seconds since 1970).
    public func token(product: ProductID, site: String, build: BuildHash, licenseID: String?, now: Int64) async throws -> String {
        Self.token(product: product, site: site, build: build, licenseID: licenseID, now: now, key: try await signingKey())
    }

    /// ``token(product:site:build:licenseID:now:)`` made at once: nil until the key has been read.
    public func tokenNow(product: ProductID, site: String, build: BuildHash, licenseID: String?, now: Int64) -> String? {
        key.withLock { $0 }.map { Self.token(product: product, site: site, build: build, licenseID: licenseID, now: now, key: $0) }
    }

    /// The build the token names, when it was made for `site` and `product` and has not
    /// expired; throws `report_token_invalid` otherwise.
    public func verify(_ token: String, product: ProductID, site: String, now: Int64) async throws -> BuildHash {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 256, parts.count == 4, let expires = Int64(parts[0]), let build = try? BuildHash(validating: String(parts[2]))
        else { throw HeraldError.reportTokenInvalid("it is not a report token") }
        let license = parts[1] == "-" ? nil : String(parts[1])
        guard license.map({ $0.count <= 64 && $0.allSatisfy { $0.isHexDigit || $0 == "-" } }) ?? true else {
            throw HeraldError.reportTokenInvalid("it is not a report token")
        }
        let expected = Self.mac(product: product, site: site, build: build, licenseID: license, expires: expires, key: try await signingKey())
        guard constantTimeEqual(expected, parts[3].lowercased()) else {
            throw HeraldError.reportTokenInvalid("it was not given to this site for this product")
        }
        guard now < expires else { throw HeraldError.reportTokenInvalid("it has expired") }
        return build
    }

    private static func token(product: ProductID, site: String, build: BuildHash, licenseID: String?, now: Int64, key: SymmetricKey) -> String {
        let expires = now + lifetime
        let mac = mac(product: product, site: site, build: build, licenseID: licenseID, expires: expires, key: key)
        return "\(expires).\(licenseID ?? "-").\(build.rawValue).\(mac)"
    }

    /// Made for every answer that offers an update: the message is written into one buffer.
    private static func mac(product: ProductID, site: String, build: BuildHash, licenseID: String?, expires: Int64, key: SymmetricKey) -> String {
        var message: [UInt8] = []
        message.reserveCapacity(160 + site.utf8.count)
        message.append(contentsOf: "herald-report-token-v2".utf8)
        // Each part with its length: no part can borrow another's bytes.
        func add(_ part: String.UTF8View) {
            message.append(UInt8(ascii: "\n"))
            message.append(contentsOf: String(part.count).utf8)
            message.append(UInt8(ascii: ":"))
            message.append(contentsOf: part)
        }
        add(product.rawValue.utf8)
        add(site.utf8)
        add(build.rawValue.utf8)
        add((licenseID ?? "-").utf8)
        add(String(expires).utf8)
        return HMAC<SHA256>.authenticationCode(for: message, using: key).hexString
    }

    private func signingKey() async throws -> SymmetricKey {
        if let known = key.withLock({ $0 }) { return known }
        let loaded = SymmetricKey(data: Data(try await store.serverSecret(named: "report_tokens").utf8))
        key.withLock { $0 = loaded }
        return loaded
    }
}
