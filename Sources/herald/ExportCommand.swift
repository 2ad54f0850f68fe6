import ArgumentParser
import Foundation
import HeraldCore
import HeraldServer
import HeraldStore

/// `herald export goupdate PRODUCT --out DIR [--base-url URL]`: the product's GoUpdate
/// repository as static files, for any static web host.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a product's repository as static files.", subcommands: [GoUpdate.self])

    /// The repository is written into a new folder beside `--out`, and `--out` (a symbolic
    /// link) is then switched to it in one rename, so a web server never serves a half-written
    /// repository. An export that would write the same bytes again changes nothing.
    struct GoUpdate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "goupdate", abstract: "Export an app's GoUpdate repository (seed 001): JSON, signatures and file blobs.")

        @Argument(help: "The app product's id.")
        var product: String

        @Option(help: "Where the repository goes: a symbolic link to the newest export, made if missing.")
        var out: String

        @Option(
            name: .customLong("base-url"),
            help: "The URL the repository will be served at; without it, file sources and channel repositories are relative (MultiMC needs it).")
        var baseURL: String?

        @OptionGroup var data: DataOptions

        func run() async throws {
            let id = try ProductID(validating: product, field: "product")
            let blobs = try data.openBlobs()
            let repositoryURL = baseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? ""
            let filesURL = baseURL == nil ? "files" : repositoryURL + "/files"
            let data = data
            let (signer, repository) = try await data.withStore(logger: quietLogger()) { store in
                guard let snapshot = try await store.catalogSnapshot(of: id), snapshot.product.kind == .app else {
                    throw CommandFailure(message: "'\(id)' is not an app product; only apps have GoUpdate repositories")
                }
                // A static folder has no way to ask for a license: a premium app's files would be public.
                guard !snapshot.product.premium else {
                    throw CommandFailure(message: "'\(id)' is premium; a static export would publish its files to anyone")
                }
                return (
                    try await PackageSigner.current(dataDirectory: data.dataDirectory, store: store),
                    try await GoUpdateRepository.load(snapshot, store: store, filesURL: filesURL, repositoryURL: repositoryURL)
                )
            }
            var documents: [String: Data] = [:]
            for document in try repository.documents() {
                documents[document.name] = document.bytes
                documents[document.name + ".sig"] = Data(try signer.sign(document.bytes).utf8)
            }
            let export = StaticExport(out: URL(fileURLWithPath: out).standardizedFileURL.path)
            if try export.matches(documents: documents, blobs: repository.blobs) {
                print("unchanged: \(out)")
                return
            }
            let folder = try await export.write(documents: documents, blobs: repository.blobs, from: blobs)
            print("exported \(repository.versions.count) versions, \(repository.channels.count) channels to \(out) (\(folder))")
        }
    }
}

/// A static export folder: `OUT` is a symbolic link to `.OUT.exports/N`, swapped in one rename.
struct StaticExport {
    let out: String

    private var exports: String {
        let url = URL(fileURLWithPath: out)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).exports").path
    }

    /// True when the current export holds exactly these documents and blobs.
    func matches(documents: [String: Data], blobs: Set<BuildHash>) throws -> Bool {
        let files = FileManager.default
        guard let current = try? files.destinationOfSymbolicLink(atPath: out) else { return false }
        let folder = current.hasPrefix("/") ? current : URL(fileURLWithPath: out).deletingLastPathComponent().appendingPathComponent(current).path
        var names: Set<String> = []
        let listed = files.enumerator(atPath: folder)?.allObjects.compactMap { $0 as? String } ?? []
        for name in listed where name != "files" && !name.hasPrefix("files/") {
            var isFolder: ObjCBool = false
            if files.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder), !isFolder.boolValue { names.insert(name) }
        }
        guard names == Set(documents.keys) else { return false }
        for (name, bytes) in documents where files.contents(atPath: folder + "/" + name) != bytes {
            return false
        }
        let stored = Set((try? files.contentsOfDirectory(atPath: folder + "/files")) ?? [])
        return stored == Set(blobs.map(\.rawValue))
    }

    /// Writes a new export folder and points `out` at it; returns the folder.
    func write(documents: [String: Data], blobs: Set<BuildHash>, from store: BlobStore) async throws -> String {
        let files = FileManager.default
        var isFolder: ObjCBool = false
        if files.fileExists(atPath: out, isDirectory: &isFolder), (try? files.destinationOfSymbolicLink(atPath: out)) == nil {
            guard isFolder.boolValue, (try files.contentsOfDirectory(atPath: out)).isEmpty else {
                throw CommandFailure(message: "\(out) exists and is not an earlier export; give a new path or remove it")
            }
            try files.removeItem(atPath: out)
        }
        try files.createDirectory(atPath: exports, withIntermediateDirectories: true)
        let previous = try? files.destinationOfSymbolicLink(atPath: out)
        let folder = exports + "/" + String(UInt64(Date().timeIntervalSince1970 * 1000)) + "-" + UUID().uuidString.prefix(8)
        try files.createDirectory(atPath: folder + "/files", withIntermediateDirectories: true)
        for blob in blobs {
            let target = folder + "/files/" + blob.rawValue
            if let source = store.localPath(of: blob), link(source, target) == 0 { continue }
            try await store.copy(blob, toFileAt: target)
        }
        for (name, bytes) in documents {
            if name.contains("/") {
                try files.createDirectory(
                    atPath: folder + "/" + (name as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            }
            guard files.createFile(atPath: folder + "/" + name, contents: bytes) else {
                throw CommandFailure(message: "cannot write \(folder)/\(name)")
            }
        }
        let newLink = out + ".new-" + UUID().uuidString.prefix(8)
        try files.createSymbolicLink(atPath: newLink, withDestinationPath: folder)
        guard rename(newLink, out) == 0 else {
            try? files.removeItem(atPath: newLink)
            throw CommandFailure(message: "cannot switch \(out) to the new export (errno \(errno))")
        }
        // Only an earlier export of ours is removed, never whatever else a link pointed at.
        if let previous, previous != folder, previous.hasPrefix(exports + "/") {
            try? files.removeItem(atPath: previous)
        }
        return folder
    }
}
