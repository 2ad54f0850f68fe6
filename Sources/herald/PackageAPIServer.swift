import AsyncHTTPClient
import Foundation
import HeraldCore
import HeraldFormats
import HeraldStore
import NIOCore
import NIOFoundationCompat

/// A running server of seed 002's WordPress Package API, read over HTTP as `herald import`
/// reads a content tree: its `?action=index` lists a `release.json` path per version
/// (`packages/plugins/SLUG/VERSION/release.json`, relative to the API's URL); each is fetched
/// from there, and its package URL, when relative, is anchored to the content root the path
/// names (the part before `plugins/` or `themes/`). When a release.json cannot be read there
/// (not served, refused, or not a release.json), the server's own
/// `?action=show&slug=KIND/SLUG&version=VERSION` answer is read instead, which gives the
/// version, the date as written and the package's absolute URL.
struct PackageAPIServer {
    /// The API's URL as given, e.g. `https://api.example.com/wordpress` or `.../index.php`.
    let url: String

    /// The largest index or release document read.
    private static let documentLimit = 1 << 20

    /// Whether `text` names a server rather than a folder.
    static func names(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// Where the API answers (`?action=...` is appended) and the folder its paths are relative to.
    private var endpoints: (api: String, base: String) {
        let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
        guard let slash = trimmed.lastIndex(of: "/"), trimmed[slash...].lowercased().hasSuffix(".php") else {
            return (trimmed + "/", trimmed)
        }
        return (trimmed, String(trimmed[..<slash]))
    }

    /// Every release the server lists, each product's in version order, and those that failed.
    func releases() async throws -> (releases: [ContentTree.Release], problems: [ContentTree.Problem]) {
        let (api, base) = endpoints
        let indexURL = api + "?action=index"
        guard let indexData = try await fetch(indexURL), let paths = try? JSONSerialization.jsonObject(with: indexData) as? [Any] else {
            throw CommandFailure(message: "\(indexURL) is not a WordPress Package API index (a JSON list of release.json paths)")
        }
        var releases: [ContentTree.Release] = []
        var problems: [ContentTree.Problem] = []
        for case let path as String in paths {
            do {
                releases.append(try await release(at: path, api: api, base: base))
            } catch let problem as ContentTree.Problem {
                problems.append(problem)
            } catch {
                problems.append(ContentTree.Problem(path: path, reason: "\(error)"))
            }
        }
        // Oldest version first within each product, as from a folder.
        releases.sort { $0.product != $1.product ? $0.product < $1.product : VersionOrder.compare($0.version.rawValue, $1.version.rawValue) < 0 }
        return (releases, problems)
    }

    /// One index entry: `[ROOT/](plugins|themes)/SLUG/.../VERSION/release.json`.
    private func release(at path: String, api: String, base: String) async throws -> ContentTree.Release {
        func problem(_ reason: String) -> ContentTree.Problem { ContentTree.Problem(path: path, reason: reason) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard path.utf8.count <= 1024, !path.hasPrefix("/"), !path.contains("://"), parts.last == "release.json",
            parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && $0.allSatisfy { $0.isASCII && !$0.isWhitespace && $0 != "?" && $0 != "#" } }),
            let kindAt = parts.firstIndex(where: { $0 == "plugins" || $0 == "themes" }), parts.count - kindAt >= 4
        else { throw problem("not a path of the form [ROOT/]plugins|themes/SLUG/VERSION/release.json") }
        let kind: Product.Kind = parts[kindAt] == "themes" ? .theme : .plugin
        let slug = parts[kindAt + 1]
        let contentRoot = ([base] + parts[..<kindAt]).joined(separator: "/")
        func locate(_ package: String) throws -> ContentTree.Release.Package {
            let lower = package.lowercased()
            if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return .remote(package) }
            guard !lower.contains("://"), !package.split(separator: "/").contains("..") else {
                throw problem("its package URL \(quoted(package)) is neither http(s) nor relative to the content root")
            }
            return .remote(contentRoot + "/" + (package.hasPrefix("/") ? String(package.dropFirst()) : package))
        }
        if let document = try? await fetch(base + "/" + path),
            let release = try? ContentTree.Release(json: document, path: base + "/" + path, kind: kind, slug: slug, locate: locate)
        {
            return release
        }
        // The release.json is not served (or not as a release.json): the API's own answer for that version.
        let version = parts[parts.count - 2]
        var query = URLComponents()
        query.queryItems = [.init(name: "action", value: "show"), .init(name: "slug", value: "\(parts[kindAt])/\(slug)"), .init(name: "version", value: version)]
        let showURL = api + (query.percentEncodedQuery.map { "?" + $0 } ?? "")
        guard let shown = try await fetch(showURL), let object = try? JSONSerialization.jsonObject(with: shown) as? [String: Any],
            let package = object["package"] as? String
        else { throw problem("neither it nor \(showURL) can be read") }
        var release: [String: Any] = ["name": slug, "version": object["version"] as? String ?? version, "package": ["zip": package]]
        if let date = object["date"] as? String { release["date"] = date }
        return try ContentTree.Release(
            json: try JSONSerialization.data(withJSONObject: release), path: showURL, kind: kind, slug: slug, locate: locate)
    }

    /// The body of a 200 answer to a GET, at most ``documentLimit`` bytes; nil for 404 and 410.
    private func fetch(_ url: String) async throws -> Data? {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
        switch response.status.code {
        case 200: break
        case 404, 410: return nil
        default: throw CommandFailure(message: "\(url) answered \(response.status.code)")
        }
        var body = try await response.body.collect(upTo: Self.documentLimit)
        return body.readData(length: body.readableBytes) ?? Data()
    }
}
