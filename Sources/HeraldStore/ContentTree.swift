import Foundation
import HeraldCore
import HeraldDocuments
import HeraldFormats

/// A content tree of seed 002's WordPress Package API: `plugins|themes/SLUG/.../release.json`,
/// one `release.json` per version, each naming its package by URL.
///
/// A package URL relative to the content root, or absolute under the tree's root URL, is a
/// file of the tree; any other absolute URL is fetched. Paths never leave the tree.
public struct ContentTree: Sendable {
    /// One `release.json`, read and checked.
    public struct Release: Sendable, Equatable {
        public enum Package: Sendable, Equatable {
            /// A file inside the tree, by absolute path.
            case file(String)
            /// A URL to download.
            case remote(String)
        }

        /// The `release.json` file, for messages.
        public let path: String
        public let kind: Product.Kind
        public let product: ProductID
        public let name: String?
        public let version: Version
        /// Milliseconds since 1970; nil when `date` is absent.
        public let date: Int64?
        /// The date as release.json writes it.
        public let dateText: String?
        public let package: Package
        /// The file name the package is downloaded as.
        public let fileName: FileName

        /// The release a `release.json` describes, found at `path` (a file or a URL) in the
        /// folder of product `slug`; `locate` says where its package URL points.
        public init(json data: Data, path: String, kind: Product.Kind, slug: String, locate: (String) throws -> Package) throws {
            func problem(_ reason: String) -> Problem { Problem(path: path, reason: reason) }
            let document: ReleaseDocument
            do {
                document = try ReleaseDocument(json: data)
            } catch {
                throw problem(error.reason)
            }
            do {
                product = try ProductID(validating: slug, field: "slug")
                version = try Version(validating: document.version, field: "version")
            } catch {
                throw problem(error.message)
            }
            let packageURL = document.packageURL
            package = try locate(packageURL)
            let lastComponent = packageURL.split(separator: "/").last.map(String.init) ?? ""
            let fallbackName = try? FileName(validating: "\(slug)-\(version).zip")
            guard let fileName = (try? FileName(validating: lastComponent)) ?? fallbackName else {
                throw problem("no file name can be made for its package")
            }
            self.path = path
            self.kind = kind
            self.fileName = fileName
            name = document.name
            date = document.date
            dateText = document.dateText
        }
    }

    /// A `release.json` that could not be read, and why.
    public struct Problem: Error, Sendable, Equatable {
        public let path: String
        public let reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    public let root: String
    public let rootURL: String?

    /// `rootURL` is where the tree is served from, e.g. `https://api.example.com/wordpress/content`.
    public init(root: String, rootURL: String?) {
        // The real path: a tree reached through a link is checked against where it really is.
        let standard = Self.realPath(root) ?? URL(fileURLWithPath: root).standardizedFileURL.path
        self.root = standard.hasSuffix("/") && standard.count > 1 ? String(standard.dropLast()) : standard
        self.rootURL = rootURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// Every release of the tree, each product's in version order, and the files that failed.
    public func releases() -> (releases: [Release], problems: [Problem]) {
        var releases: [Release] = []
        var problems: [Problem] = []
        let files = FileManager.default
        for (folder, kind) in [("plugins", Product.Kind.plugin), ("themes", .theme)] {
            let kindPath = root + "/" + folder
            guard let slugs = try? files.contentsOfDirectory(atPath: kindPath) else { continue }
            for slug in slugs.sorted() where !slug.hasPrefix(".") {
                guard let walker = files.enumerator(atPath: kindPath + "/" + slug) else { continue }
                var found: [Release] = []
                for case let relative as String in walker where (relative as NSString).lastPathComponent == "release.json" {
                    let path = kindPath + "/" + slug + "/" + relative
                    do {
                        found.append(try release(at: path, kind: kind, slug: slug))
                    } catch let problem as Problem {
                        problems.append(problem)
                    } catch {
                        problems.append(Problem(path: path, reason: "\(error)"))
                    }
                }
                releases += found.sorted { VersionOrder.compare($0.version.rawValue, $1.version.rawValue) < 0 }
            }
        }
        return (releases, problems)
    }

    private func release(at path: String, kind: Product.Kind, slug: String) throws -> Release {
        guard let real = Self.realPath(path), real.hasPrefix(root + "/") else {
            throw Problem(path: path, reason: "it links to a file outside the content tree")
        }
        guard let data = FileManager.default.contents(atPath: real) else { throw Problem(path: path, reason: "cannot be read") }
        return try Release(json: data, path: path, kind: kind, slug: slug) { try locate($0, from: path) }
    }

    /// Where a package URL points: a file of the tree, or a URL to fetch.
    private func locate(_ url: String, from path: String) throws -> Release.Package {
        let lower = url.lowercased()
        var relative: String?
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard let rootURL, url.hasPrefix(rootURL + "/") else { return .remote(url) }
            relative = String(url.dropFirst(rootURL.count + 1))
        } else if lower.contains("://") {
            throw Problem(path: path, reason: "its package URL \(quoted(url)) is neither http(s) nor relative to the content root")
        } else {
            relative = url
        }
        let candidate = URL(fileURLWithPath: root + "/" + (relative ?? "")).standardizedFileURL.path
        guard candidate.hasPrefix(root + "/") else {
            throw Problem(path: path, reason: "its package \(quoted(url)) lies outside the content tree")
        }
        guard let real = Self.realPath(candidate) else {
            throw Problem(path: path, reason: "its package \(quoted(url)) is not in the tree at \(candidate)")
        }
        // A symbolic link inside the tree must not lead out of it.
        guard real.hasPrefix(root + "/") else {
            throw Problem(path: path, reason: "its package \(quoted(url)) links to a file outside the content tree")
        }
        return .file(real)
    }

    /// `path` with every symbolic link resolved; nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
