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

    /// The links of a site without a license: none for a premium product.
    static func unlicensed(for build: Build, product: Product, urls: PublicURL) -> BuildLinks {
        guard !product.premium else { return BuildLinks() }
        let persistent = urls.persistentDownload(of: build)
        return BuildLinks(download: urls.download(of: build), persistent: persistent, authenticated: persistent)
    }

    /// The links of a licensed site: a signed, expiring link for it alone, which is the only
    /// download of a premium product.
    static func make(for build: Build, product: Product, license: License, urls: PublicURL, links: LicensedDownloadLinks) async throws -> BuildLinks {
        licensed(for: build, product: product, urls: urls, link: try await links.link(to: build, license: license, now: currentTimeMillis() / 1000))
    }

    /// ``make(for:product:license:urls:links:)`` made at once: nil until the links' signing key has been read.
    static func makeNow(for build: Build, product: Product, license: License, urls: PublicURL, links: LicensedDownloadLinks) -> BuildLinks? {
        links.linkNow(to: build, license: license, now: currentTimeMillis() / 1000).map {
            licensed(for: build, product: product, urls: urls, link: $0)
        }
    }

    private static func licensed(for build: Build, product: Product, urls: PublicURL, link: LicensedDownloadLinks.Link) -> BuildLinks {
        let signed = "\(urls.base)/licensed/\(build.product)/\(build.hash)/\(build.fileName)?\(link.query)"
        guard !product.premium else { return BuildLinks(download: signed, persistent: nil, authenticated: signed) }
        return BuildLinks(download: urls.download(of: build), persistent: urls.persistentDownload(of: build), authenticated: signed)
    }
}
