import AsyncHTTPClient
import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore
import NIOCore
import NIOFoundationCompat

/// `herald import DIR [--root-url URL]` or `herald import URL`: brings a content tree of seed
/// 002's WordPress Package API (`plugins|themes/SLUG/VERSION/release.json` and their zips), or
/// what a running server of that API lists (``PackageAPIServer``), into Herald.
///
/// Each release becomes a build on the stable channel, oldest version first, dated as its
/// release.json says; missing products are created. A release whose product already has a
/// build of that version is left alone, so importing the same tree again changes nothing. A
/// broken release.json is reported by path and skipped; the rest is imported.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a WordPress Package API content tree (plugins/ and themes/ with release.json files), or a running server's.")

    @Argument(help: "The content root (the folder holding plugins/ and themes/), or the URL of a running WordPress Package API.")
    var directory: String

    @Option(name: .customLong("root-url"), help: "The URL the tree was served at; package URLs under it are read from the tree.")
    var rootURL: String?

    @Option(name: .customLong("max-size"), help: "The largest package accepted, in bytes; K, M and G suffixes allowed.")
    var maxSize = "512M"

    @OptionGroup var data: DataOptions

    func validate() throws {
        guard byteSize(maxSize) != nil else { throw ValidationError("--max-size must be a number of bytes up to 1T, e.g. 512M") }
    }

    func run() async throws {
        let releases: [ContentTree.Release]
        let problems: [ContentTree.Problem]
        if PackageAPIServer.names(directory) {
            (releases, problems) = try await PackageAPIServer(url: directory).releases()
        } else {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
                throw CommandFailure(message: "\(directory) is not a folder")
            }
            (releases, problems) = ContentTree(root: directory, rootURL: rootURL).releases()
        }
        var failures = problems.map { "\($0.path): \($0.reason)" }
        var imported = 0
        var present = 0
        try await data.withStore(logger: quietLogger()) { store in
            let blobs = try data.openBlobs(store: store)
            let intake = BuildIntake(store: store, blobs: blobs)
            for release in releases {
                do {
                    if try await store.build(of: release.product, version: release.version) != nil {
                        present += 1
                        continue
                    }
                    let product = try await product(for: release, in: store)
                    let writer = try await blobs.makeWriter(limit: byteSize(maxSize))
                    do {
                        try await fetch(release.package, into: writer)
                    } catch {
                        writer.discard()
                        throw error
                    }
                    var fields = BuildIntake.Fields(version: release.version.rawValue, fileName: release.fileName)
                    fields.uploadedBy = "import"
                    fields.releaseDate = release.dateText
                    let build = try await intake.publish(
                        writer, of: product, to: .stable, fields: fields, actor: "import", at: release.date ?? currentTimeMillis())
                    imported += 1
                    print("imported \(release.kind.rawValue) \(build.product) \(build.version) (\(build.hash))")
                } catch let error as HeraldError {
                    failures.append("\(release.path): \(error.message)")
                } catch {
                    failures.append("\(release.path): \(error)")
                }
            }
        }
        for failure in failures {
            FileHandle.standardError.write(Data("skipped \(failure)\n".utf8))
        }
        print("\(imported) imported, \(present) already present, \(failures.count) skipped")
    }

    /// The release's product, created from the tree when Herald lacks it.
    private func product(for release: ContentTree.Release, in store: any Store) async throws -> Product {
        if let existing = try await store.product(release.product) {
            guard existing.kind == release.kind else {
                throw CommandFailure(message: "product '\(existing.id)' is a \(existing.kind.rawValue), not a \(release.kind.rawValue)")
            }
            return existing
        }
        let name = release.name.flatMap { $0.isEmpty ? nil : $0 } ?? release.product.rawValue
        try Product.validateName(name)
        let product = Product(id: release.product, name: name, kind: release.kind, createdAt: currentTimeMillis())
        try await store.createProduct(product)
        return product
    }

    /// Streams the package into `writer`, from the tree or over HTTP.
    private func fetch(_ package: ContentTree.Release.Package, into writer: BlobWriter) async throws {
        switch package {
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else { throw CommandFailure(message: "cannot read \(path)") }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                try await writer.write(ByteBuffer(data: chunk))
            }
        case .remote(let url):
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(300))
            guard response.status == .ok else { throw CommandFailure(message: "\(url) answered \(response.status.code)") }
            for try await chunk in response.body {
                try await writer.write(chunk)
            }
        }
    }
}
