import HeraldCore
import HeraldFormats
import HTTPTypes
import HeraldStore
import Hummingbird

/// Public release notes: `/products/{product}/` (the newest stable version's readme and every
/// version published to a core channel) and `/products/{product}/{version}/` (that version's
/// readme sections and changelog). A theme's `details_url` points here, so WordPress's "View
/// version details" shows a page, not JSON. Hidden products have none.
struct ReleaseNotesRoutes<Context: RequestContext> {
    let store: any Store
    let pages: ConsolePages

    /// Section names as readers see them.
    private static var titles: [String: String] { ["description": "Description", "installation": "Installation", "frequently_asked_questions": "FAQ",
        "faq": "FAQ", "changelog": "Changelog", "screenshots": "Screenshots", "other_notes": "Other notes"] }
    private static var order: [String] { ["description", "installation", "frequently_asked_questions", "faq", "changelog"] }

    func register(on router: Router<Context>) {
        router.get("/products/{product}") { _, context in
            let (product, published) = try await publishedBuilds(context.parameters.product())
            let stable = try await store.servedBuild(for: .stable, of: product.id)
            guard let shown = stable ?? published.first else { throw HeraldError.noBuild(.stable, of: product.id) }
            return page(product, shown, versions: published)
        }
        router.get("/products/{product}/{version}") { _, context in
            let version = try Version(validating: context.parameters.get("version") ?? "", field: "version")
            let (product, published) = try await publishedBuilds(context.parameters.product())
            guard let build = published.first(where: { $0.version == version }) else {
                throw HeraldError.unknownVersion(version, of: product.id, channel: .stable)
            }
            return page(product, build, versions: [])
        }
    }

    /// The product, and its builds uploaded to a core channel (never a customer's), newest first.
    private func publishedBuilds(_ id: ProductID) async throws -> (Product, [Build]) {
        guard let product = try await store.product(id), !product.hidden else { throw HeraldError.unknownProduct(id) }
        let builds = try await store.buildPage(of: id, versionContaining: nil, limit: 500, offset: 0).builds
        var seen: Set<Version> = []
        let published = builds.filter { [ChannelID.stable, .beta, .development].contains($0.channel) && seen.insert($0.version).inserted }
        return (product, published)
    }

    private func page(_ product: Product, _ build: Build, versions: [Build]) -> Response {
        var sections = build.details.sections.filter { $0.key != "upgrade_notice" }
        if sections["changelog"] == nil, let changelog = build.changelog { sections["changelog"] = changelog }
        if sections["description"] == nil, let description = product.description { sections["description"] = description }
        let ordered = sections.keys.sorted { (Self.order.firstIndex(of: $0) ?? 99, $0) < (Self.order.firstIndex(of: $1) ?? 99, $1) }
        var values: [String: Any] = [
            "name": product.name, "version": build.version.rawValue, "released": ConsoleText.time(build.timestamp),
            // ReadmeHTML escapes the readme's text and writes only its own tags.
            "sections": ordered.map { ["title": Self.titles[$0] ?? $0.replacingOccurrences(of: "_", with: " ").capitalized, "html": ReadmeHTML.render(sections[$0] ?? "")] },
            "hasVersions": !versions.isEmpty,
            "versions": versions.map { ["product": product.id.rawValue, "version": $0.version.rawValue, "released": ConsoleText.time($0.timestamp)] },
        ]
        if let requires = build.requires { values["requires"] = requires }
        if let php = build.requiresPHP { values["requiresPHP"] = php }
        if let homepage = product.homepage, homepage.lowercased().hasPrefix("http") { values["homepage"] = homepage }
        var response = pages.page("notes", values)
        // WordPress shows it in a frame ("View version details"); it has nothing to click into.
        response.headers[.cacheControl] = "public, max-age=300"
        response.headers[HTTPField.Name("X-Frame-Options")!] = nil
        response.headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'"
        return response
    }
}
