import ArgumentParser
import AsyncHTTPClient
import Foundation
import HeraldCore
import HeraldStore
import NIOHTTP1

/// `herald publish FILE --product P --channel C [--version V] [--platform PLATFORM]`: streams a
/// build to the server; with `--platform`, the file becomes the platform's file of the build of
/// that version (the newest upload of it), which must have been published.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Upload a build, or an app build's file for one platform, to a Herald server and print it.")

    @Argument(help: "The zip (or app archive) to publish.")
    var file: String

    @Option(help: "The product's id.")
    var product: String

    @Option(help: "The channel to publish to.")
    var channel = "stable"

    @Option(help: "The version; by default the one inside the zip.")
    var version: String?

    @Option(help: "An app's platform the file is for, e.g. macos-universal, windows-x86_64, linux-x86_64 (needs --version).")
    var platform: String?

    @Option(name: .customLong("builder-name"), help: "The tool that made the file.")
    var builderName: String?

    @Option(name: .customLong("builder-version"), help: "That tool's version.")
    var builderVersion: String?

    @Option(name: .customLong("uploaded-by"), help: "Who uploads, e.g. an email address (default: the token's name).")
    var uploadedBy: String?

    @Option(name: .customLong("minimum-system-version"), help: "An app's oldest macOS, for Sparkle.")
    var minimumSystemVersion: String?

    @Option(name: .customLong("release-notes-url"), help: "A page with the release notes, for Sparkle.")
    var releaseNotesURL: String?

    @Flag(help: "An update users should not skip (Sparkle's critical update).")
    var critical = false

    @Option(name: .customLong("minimum-autoupdate-version"), help: "Installs older than this update only when asked, for Sparkle.")
    var minimumAutoupdateVersion: String?

    @OptionGroup var server: ServerOptions

    func run() async throws {
        let product = try ProductID(validating: product)
        let channel = try ChannelID(validating: channel)
        let platform = try platform.map { try Platform(validating: $0) }
        let version = try version.map { try Version(validating: $0) }
        if platform != nil, version == nil { throw CommandFailure(message: "--platform needs --version: the build the file belongs to") }
        var query: [URLQueryItem] = []
        if let version { query.append(URLQueryItem(name: "version", value: version.rawValue)) }
        if let builderName { query.append(URLQueryItem(name: "builder_name", value: builderName)) }
        if let builderVersion { query.append(URLQueryItem(name: "builder_version", value: builderVersion)) }
        if let uploadedBy { query.append(URLQueryItem(name: "uploaded_by", value: uploadedBy)) }
        if let minimumSystemVersion { query.append(URLQueryItem(name: "minimum_system_version", value: minimumSystemVersion)) }
        if let releaseNotesURL { query.append(URLQueryItem(name: "release_notes_url", value: releaseNotesURL)) }
        if critical { query.append(URLQueryItem(name: "critical", value: "true")) }
        if let minimumAutoupdateVersion { query.append(URLQueryItem(name: "minimum_autoupdate_version", value: minimumAutoupdateVersion)) }
        let name = URL(fileURLWithPath: file).lastPathComponent
        let fileName = try? FileName(validating: name)
        if let fileName { query.append(URLQueryItem(name: "file_name", value: fileName.rawValue)) }
        if let platform, let version {
            // The build must exist: platform jobs that run at once must not each publish one.
            guard let hash = try await build(of: product, version: version) else {
                throw CommandFailure(
                    message: "\(product) has no build of version \(version); publish it first (herald publish FILE --product \(product) --version \(version))")
            }
            var artifactQuery = [URLQueryItem(name: "platform", value: platform.rawValue)]
            if let fileName { artifactQuery.append(URLQueryItem(name: "file_name", value: fileName.rawValue)) }
            try printJSON(try await upload("/api/v1/builds/\(hash)/artifacts", query: artifactQuery))
            return
        }
        try printJSON(try await upload("/api/v1/\(product)/\(channel)/builds", query: query))
    }

    /// Streams the file to `path` with `query`; the envelope's response.
    private func upload(_ path: String, query: [URLQueryItem]) async throws -> Any {
        var components = URLComponents()
        components.queryItems = query
        let size: Int64
        do {
            guard let bytes = try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber else {
                throw CommandFailure(message: "cannot read the size of \(file)")
            }
            size = bytes.int64Value
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(message: "cannot read \(file): \(error.localizedDescription)")
        }
        return try await server.send(
            .POST, path + (query.isEmpty ? "" : "?" + (components.percentEncodedQuery ?? "")),
            body: .stream(BlobContents(fileAt: file), length: .known(size)), contentType: "application/octet-stream")
    }

    /// The hash of the newest upload of `version`, from the product's builds, newest first.
    private func build(of product: ProductID, version: Version) async throws -> String? {
        var cursor: String?
        repeat {
            let page = try await server.send(.GET, "/api/v1/\(product)/builds?limit=500" + (cursor.map { "&cursor=\($0)" } ?? "")) as? [String: Any]
            for case let build as [String: Any] in page?["builds"] as? [Any] ?? [] where build["version"] as? String == version.rawValue {
                if build["is_latest"] as? Bool == true, let hash = build["build_hash"] as? String { return hash }
            }
            cursor = page?["next_cursor"] as? String
        } while cursor != nil
        return nil
    }
}

/// `herald channels PRODUCT`
struct Channels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a product's channels and what they serve.")

    @Argument(help: "The product's id.")
    var product: String

    @OptionGroup var server: ServerOptions

    func run() async throws {
        let product = try ProductID(validating: product)
        let response = try await server.send(.GET, "/api/v1/\(product)/") as? [String: Any]
        for channel in response?["channels"] as? [[String: Any]] ?? [] {
            let id = channel["channel_id"] as? String ?? "?"
            let alias = (channel["alias_for"] as? String).map { " -> \($0)" } ?? ""
            let served = (channel["served_build"] as? String).map { String($0.prefix(12)) } ?? "-"
            let pinned = channel["active_build"] is String ? " (pinned)" : ""
            print("\(id)\(alias)\t\(served)\(pinned)\t\(channel["channel_name"] as? String ?? "")")
        }
    }
}

/// `herald builds PRODUCT CHANNEL`
struct Builds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the builds uploaded to a channel, newest first.")

    @OptionGroup var target: ChannelArguments
    @OptionGroup var server: ServerOptions

    func run() async throws {
        let path = try target.path
        var cursor: String?
        repeat {
            let page = try await server.send(.GET, path + "/?limit=500" + (cursor.map { "&cursor=\($0)" } ?? "")) as? [String: Any]
            for build in page?["builds"] as? [[String: Any]] ?? [] {
                let latest = build["is_latest"] as? Bool == true ? "" : " (superseded)"
                print("\(build["version"] as? String ?? "?")\t\(build["build_hash"] as? String ?? "?")\t\(build["size"] ?? "")\(latest)")
            }
            cursor = page?["next_cursor"] as? String
        } while cursor != nil
    }
}

/// `herald pin PRODUCT CHANNEL BUILD`
struct Pin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Pin a channel to a build (a hash or a prefix of 12 or more).")

    @OptionGroup var target: ChannelArguments
    @Argument(help: "The build's hash, or a prefix of 12 or more characters.")
    var build: String
    @OptionGroup var server: ServerOptions

    func run() async throws {
        let reference = try BuildReference(validating: build, field: "build")
        try printJSON(try await server.send(.POST, try target.path + "/pin", json: ["build": reference.rawValue]))
    }
}

/// `herald yank HASH --reason TEXT`
struct Yank: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a build back: every channel serving it falls back, and sites running it are offered that build, even older.")

    @Argument(help: "The build's SHA-256.")
    var build: String
    @Option(help: "Why, in one line; sites running the build are shown it.")
    var reason: String
    @OptionGroup var server: ServerOptions

    func run() async throws {
        let hash = try BuildHash(validating: build, field: "build")
        try printJSON(try await server.send(.POST, "/api/v1/builds/\(hash)/yank", json: ["reason": try Build.Yank.reason(validating: reason)]))
    }
}

/// `herald unpin PRODUCT CHANNEL`
struct Unpin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Unpin a channel; it serves its latest build again.")

    @OptionGroup var target: ChannelArguments
    @OptionGroup var server: ServerOptions

    func run() async throws {
        try printJSON(try await server.send(.POST, try target.path + "/unpin"))
    }
}

/// `herald rollback PRODUCT CHANNEL`
struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Move a channel back to the build it served before its last move.")

    @OptionGroup var target: ChannelArguments
    @OptionGroup var server: ServerOptions

    func run() async throws {
        try printJSON(try await server.send(.POST, try target.path + "/rollback"))
    }
}

/// `PRODUCT CHANNEL`, the two arguments of the channel commands.
struct ChannelArguments: ParsableArguments {
    @Argument(help: "The product's id.")
    var product: String

    @Argument(help: "The channel's id.")
    var channel: String

    /// `/api/v1/PRODUCT/CHANNEL`, both validated.
    var path: String {
        get throws {
            "/api/v1/\(try ProductID(validating: product))/\(try ChannelID(validating: channel))"
        }
    }
}
