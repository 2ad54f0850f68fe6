import HeraldCore
import HeraldStore

/// The download URLs an answer gives for a build, which depend on the product and the asker.
///
/// A free product's build has its stable and persistent URLs; a licensed site also gets a
/// signed, expiring `authenticated_download_url`. A premium product's build is downloaded only
/// through that signed link, so a site without a valid license gets no URL at all.
struct BuildLinks: Sendable {
    var download: String?
    var persistent: String?
    var authenticated: String?

    static func make(
        for build: Build, product: Product, license: License?, urls: PublicURL, links: LicensedDownloadLinks
    ) async throws -> BuildLinks {
        let signed: String?
        if let license {
            let link = try await links.link(to: build, license: license, now: currentTimeMillis() / 1000)
            signed = "\(urls.base)/licensed/\(build.product)/\(build.hash)/\(build.fileName)?\(link.query)"
        } else {
            signed = nil
        }
        if product.premium {
            return BuildLinks(download: signed, persistent: nil, authenticated: signed)
        }
        let persistent = urls.persistentDownload(of: build)
        return BuildLinks(download: urls.download(of: build), persistent: persistent, authenticated: signed ?? persistent)
    }
}
