import Foundation
import HeraldCore
import HeraldFormats
import NIOPosix
import Yams

/// Reads what a build's zip says about itself, without unpacking it to disk.
///
/// Only small files near the top of the archive are read (a manifest, the main file's header,
/// readme.txt), each up to a fixed size, so a zip bomb costs nothing.
public enum BuildArchive {
    private static let manifestLimit = 64 * 1024
    private static let readmeLimit = 512 * 1024

    /// The metadata inside the zip at `path`, for a product of `kind`.
    ///
    /// Throws `invalid_archive` when the file is not a zip.
    public static func inspect(path: String, kind: Product.Kind) async throws -> BuildMetadata {
        try await NIOThreadPool.singleton.runIfActive { try inspectNow(path: path, kind: kind) }
    }

    private static func inspectNow(path: String, kind: Product.Kind) throws -> BuildMetadata {
        let archive = try ZipFile(path: path)
        var manifest: ZipDirectory.Entry?
        var readme: ZipDirectory.Entry?
        var headerFiles: [ZipDirectory.Entry] = []
        for entry in archive.files {
            let components = entry.path.split(separator: "/")
            guard let last = components.last, components.count <= 2 else { continue }
            let name = last.lowercased()
            let manifestName = kind == .theme ? "theme" : "plugin"
            if name == "\(manifestName).yaml" || name == "\(manifestName).yml" {
                manifest = manifest ?? entry
            } else if name == "readme.txt" {
                readme = readme ?? entry
            } else if kind == .theme ? name == "style.css" : name.hasSuffix(".php") {
                headerFiles.append(entry)
            }
        }

        var metadata = BuildMetadata()
        if let manifest {
            metadata = try manifestMetadata(read(manifest, from: archive, limit: manifestLimit), path: manifest.path)
        }
        if let header = try mainHeader(in: headerFiles, of: archive, kind: kind) {
            metadata = metadata.filled(from: header)
        }
        if let readme {
            metadata = metadata.filled(from: BuildMetadata(readme: Readme(text: try read(readme, from: archive, limit: readmeLimit))))
        }
        return metadata
    }

    /// The header of the plugin's main PHP file (the one with a `Plugin Name`, preferring
    /// `slug/slug.php`) or of the theme's `style.css` (with a `Theme Name`).
    private static func mainHeader(in files: [ZipDirectory.Entry], of archive: ZipFile, kind: Product.Kind) throws -> BuildMetadata? {
        let marker = kind == .theme ? "Theme Name" : "Plugin Name"
        let ordered = files.sorted { lhs, rhs in
            let (l, r) = (isConventionalMainFile(lhs.path), isConventionalMainFile(rhs.path))
            return l != r ? l : lhs.path < rhs.path
        }
        for file in ordered {
            let header = FileHeader(text: try read(file, from: archive, limit: FileHeader.readLimit))
            if header[marker] != nil {
                return BuildMetadata(header: header, source: kind == .theme ? "style.css" : "the plugin header of \(file.path)")
            }
        }
        return nil
    }

    /// `slug/slug.php`, the file WordPress's own tools take as a plugin's main file.
    private static func isConventionalMainFile(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        return parts.count == 2 && parts[1] == parts[0] + ".php"
    }

    private static func manifestMetadata(_ text: String, path: String) throws -> BuildMetadata {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw HeraldError.invalidInput("\(path) is not valid YAML: \(String(describing: error).prefix(200))")
        }
        func field(_ name: String) -> String? {
            guard let value = node?[name]?.scalar?.string.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                return nil
            }
            return value
        }
        return BuildMetadata(
            name: field("name"), version: field("version"), versionSource: field("version") == nil ? nil : path,
            requires: field("requires"), tested: field("tested"), requiresPHP: field("requires_php"),
            changelog: field("changelog"), upgradeNotice: field("upgrade_notice"))
    }

    /// The extension manifests a build carries: `extensions/NAME.yaml` (or `.yml`, `.json`) at
    /// the top of the zip or in its one top folder, by NAME; none when the file is not a zip.
    /// A malformed one is refused with its path, line and reason.
    public static func extensionManifests(path: String) async throws -> [(id: String, manifest: ExtensionManifest)] {
        try await NIOThreadPool.singleton.runIfActive {
            guard let archive = try? ZipFile(path: path) else { return [] }
            var found: [(id: String, manifest: ExtensionManifest)] = []
            for entry in archive.files {
                let parts = entry.path.split(separator: "/").map(String.init)
                guard parts.count >= 2, parts.count <= 3, parts[parts.count - 2] == "extensions", let file = parts.last else { continue }
                let lower = file.lowercased()
                guard let suffix = [".yaml", ".yml", ".json"].first(where: { lower.hasSuffix($0) }) else { continue }
                guard found.count < 100 else { throw HeraldError.invalidInput("the build carries more than 100 extension manifests") }
                let id = String(file.dropLast(suffix.count))
                let text = try read(entry, from: archive, limit: manifestLimit)
                found.append((id, try ExtensionManifestParser.parse(text, source: entry.path, defaultName: id)))
            }
            return found
        }
    }

    /// The first `limit` bytes of an entry, as text.
    private static func read(_ entry: ZipDirectory.Entry, from archive: ZipFile, limit: Int) throws -> String {
        do {
            return try archive.text(of: entry, limit: limit)
        } catch let error as HeraldError {
            throw error
        } catch {
            throw HeraldError.invalidArchive("\(quoted(entry.path)) cannot be read")
        }
    }
}
