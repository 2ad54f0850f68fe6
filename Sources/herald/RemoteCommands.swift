import ArgumentParser
import AsyncHTTPClient
import Foundation
import HeraldCore
import HeraldStore
import NIOHTTP1

/// `herald publish FILE --product P --channel C [--version V]`: streams a build to the server.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Upload a build to a Herald server and print it.")

    @Argument(help: "The zip (or app archive) to publish.")
    var file: String

    @Option(help: "The product's id.")
    var product: String

    @Option(help: "The channel to publish to.")
    var channel = "stable"

    @Option(help: "The version; by default the one inside the zip.")
    var version: String?

    @Option(name: .customLong("builder-name"), help: "The tool that made the file.")
    var builderName: String?

    @Option(name: .customLong("builder-version"), help: "That tool's version.")
    var builderVersion: String?

    @Option(name: .customLong("uploaded-by"), help: "Who uploads, e.g. an email address (default: the token's name).")
    var uploadedBy: String?

    @OptionGroup var server: ServerOptions

    func run() async throws {
        let product = try ProductID(validating: product)
        let channel = try ChannelID(validating: channel)
        var query: [URLQueryItem] = []
        if let version { query.append(URLQueryItem(name: "version", value: try Version(validating: version).rawValue)) }
        if let builderName { query.append(URLQueryItem(name: "builder_name", value: builderName)) }
        if let builderVersion { query.append(URLQueryItem(name: "builder_version", value: builderVersion)) }
        if let uploadedBy { query.append(URLQueryItem(name: "uploaded_by", value: uploadedBy)) }
        let name = URL(fileURLWithPath: file).lastPathComponent
        if let fileName = try? FileName(validating: name) { query.append(URLQueryItem(name: "file_name", value: fileName.rawValue)) }
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
        let build = try await server.send(
            .POST, "/api/v1/\(product)/\(channel)/builds" + (query.isEmpty ? "" : "?" + (components.percentEncodedQuery ?? "")),
            body: .stream(BlobContents(fileAt: file), length: .known(size)), contentType: "application/zip")
        try printJSON(build)
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
