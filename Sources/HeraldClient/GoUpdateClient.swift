import AsyncHTTPClient
import CompressNIO
import Crypto
import Foundation
import HeraldFormats
import HeraldInflate
import NIOCore
import NIOFoundationCompat

/// Updates an installed folder from a GoUpdate repository (seed 001), fetching only the files
/// whose MD5 differs from the file on disk.
///
/// The new version is assembled in a staging folder beside the installation (unchanged files
/// are hard-linked, changed ones downloaded and checked), then swapped in by two renames; a
/// failure at any step leaves the installed folder as it was, and a run killed half-way is
/// completed or undone by the next. Given the server's public key, the updater also refuses
/// unsigned, tampered or expired metadata, documents of another channel or product, and a
/// channel file older than the one the folder was last updated from. An older version than
/// the installed one is installed only from signed metadata.
public struct GoUpdateClient: Sendable {
    public struct Progress: Sendable {
        public let files: Int
        public let totalFiles: Int
        public let bytes: Int64
    }

    public enum Outcome: Sendable, Equatable {
        case upToDate(version: Int64)
        case updated(from: Int64?, to: Int64, downloadedFiles: Int, downloadedBytes: Int64)
    }

    public let repository: String
    public let installDirectory: String
    public let channel: String
    /// The product the folder holds: documents naming another are refused. When nil, the
    /// product the folder was installed from, and at the first install the one the channel
    /// file names, which is then recorded beside the folder.
    public let product: String?
    /// Base64 Ed25519 key; nil for an unsigned repository.
    public let publicKey: String?
    /// Herald's base URL, where each update's outcome is reported; nil: none is sent.
    public let reportsTo: String?
    public let progress: @Sendable (Progress) -> Void

    public init(
        repository: String, installDirectory: String, channel: String = "stable", product: String? = nil, publicKey: String? = nil,
        reportsTo: String? = nil, progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) {
        self.repository = repository.hasSuffix("/") ? String(repository.dropLast()) : repository
        self.installDirectory = URL(fileURLWithPath: installDirectory).standardizedFileURL.path
        self.channel = channel
        self.product = product
        self.publicKey = publicKey
        self.reportsTo = reportsTo.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.progress = progress
    }

    private var folders: InstallFolders { InstallFolders(installDirectory: installDirectory) }

    /// Herald's base URL from a live GoUpdate repository's (`.../goupdate/PRODUCT`); nil for another.
    public static func heraldServer(ofRepository repository: String) -> String? {
        guard let range = repository.range(of: "/goupdate/", options: .backwards) else { return nil }
        return String(repository[..<range.lowerBound])
    }

    /// Brings the folder to the version the channel points at. Two runs on one folder never
    /// overlap: the second waits for the first.
    public func update() async throws -> Outcome {
        let lock = try await folders.lock()
        defer { lock.release() }
        try folders.recover()
        let key = try publicKey.map { text -> Curve25519.Signing.PublicKey in
            guard let raw = Data(base64Encoded: text), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                throw GoUpdateError("the public key is not a base64 Ed25519 key")
            }
            return key
        }
        let channelDocument = try await document("\(channel).json", key: key)
        let pointer = try ChannelPointer(json: channelDocument)
        // A mirror must not pass off another channel's or product's signed file as this one's.
        if pointer.channel != channel, key != nil || pointer.channel != nil {
            throw GoUpdateError("\(channel).json is the channel file of \(pointer.channel.map { "'\($0)'" } ?? "no channel")")
        }
        let product = self.product ?? folders.installedProduct() ?? pointer.product
        try check(pointer.product, is: product, in: "\(channel).json", signed: key != nil)
        if key != nil {
            guard let expires = pointer.expires, expires > Date() else {
                throw GoUpdateError("the channel file has expired or carries no Expires time; refusing stale metadata")
            }
        }
        let installed = folders.installedVersion()
        // A signed channel file made before the one the folder was last brought up to date
        // with is a replay (a mirror serving an old file, say), even when it points at a
        // newer id: ids follow uploads, not what a channel may serve next.
        if key != nil, let seen = folders.installedRevision(), let revision = pointer.revision,
            revision < seen || (revision == seen && installed.map { $0 != pointer.latestVersion } == true)
        {
            throw GoUpdateError(
                "the channel file is of revision \(revision), older than revision \(seen) this folder was updated from; refusing a replayed channel file")
        }
        if let installed, pointer.latestVersion == installed, FileManager.default.fileExists(atPath: installDirectory) {
            if key != nil, let revision = pointer.revision { try folders.record(revision: revision) }
            return .upToDate(version: installed)
        }
        let version = try VersionFile(json: try await document("\(pointer.latestVersion).json", key: key))
        guard version.id == pointer.latestVersion else {
            throw GoUpdateError("\(pointer.latestVersion).json describes version \(version.id)")
        }
        try check(version.product, is: product, in: "\(version.id).json", signed: key != nil)
        // Files the installed version listed and the new one does not are removed; every other
        // file in the folder (a user's data, say) is kept. Without the installed version's list,
        // nothing is removed.
        var retired: Set<String> = []
        var oldName: String?
        if let installed, let old = try? VersionFile(json: try await document("\(installed).json", key: key)),
            (try? check(old.product, is: product, in: "", signed: key != nil)) != nil
        {
            retired = Set(old.files.map(\.path)).subtracting(version.files.map(\.path))
            oldName = old.name
        }
        // An older version (a rollback, a yanked build taken back) only from signed metadata:
        // anyone between an unsigned repository and the folder could otherwise send it back to
        // a version with a known hole. Older by the versions' names; ids follow uploads, and a
        // newer version may have been uploaded first.
        if let installed, key == nil {
            let older = oldName.flatMap { old in version.name.map { VersionOrder.compare($0, old) < 0 } } ?? (version.id < installed)
            if older {
                throw GoUpdateError(
                    "the channel points at version \(version.name ?? String(version.id)), older than the installed \(oldName ?? String(installed)): an older version is installed only from signed metadata (--public-key)")
            }
        }
        // An update of an installed folder is reported, with the token of Herald's answer offering it.
        var reporting: (reporter: OutcomeReporter, token: String, version: String)?
        if installed != nil, let server = reportsTo, let product, let name = version.name {
            let reporter = OutcomeReporter(server: server, product: product, channel: channel, installID: folders.installID())
            if let token = await reporter.token(for: name) { reporting = (reporter, token, name) }
        }
        do {
            let (files, bytes) = try await stage(version, keepingAllBut: retired)
            try folders.swapIn(version: version.id, product: product, revision: key == nil ? nil : pointer.revision)
            if let reporting { await reporting.reporter.report(from: oldName, to: reporting.version, failure: nil, token: reporting.token) }
            return .updated(from: installed, to: version.id, downloadedFiles: files, downloadedBytes: bytes)
        } catch {
            if let reporting {
                await reporting.reporter.report(
                    from: oldName, to: reporting.version, failure: ("update_failed", "\(error)"), token: reporting.token)
            }
            throw error
        }
    }

    /// Refuses a document of another product than `expected`; a signed one must name its product.
    private func check(_ named: String?, is expected: String?, in document: String, signed: Bool) throws {
        if named != expected, signed || (named != nil && expected != nil) {
            throw GoUpdateError(
                "\(document) is of \(named.map { "the product '\($0)'" } ?? "no named product"), not \(expected.map { "'\($0)'" } ?? "a named one")")
        }
    }

    /// Builds the new version in the staging folder, with the folder's other files except
    /// `retired`; returns what was downloaded.
    private func stage(_ version: VersionFile, keepingAllBut retired: Set<String>) async throws -> (Int, Int64) {
        let fileManager = FileManager.default
        let staging = folders.staging
        try? fileManager.removeItem(atPath: staging)
        try fileManager.createDirectory(atPath: staging, withIntermediateDirectories: true)
        var downloadedFiles = 0
        var downloadedBytes: Int64 = 0
        do {
            for (index, file) in version.files.enumerated() {
                try InstallFolders.checkRelative(file.path)
                let target = staging + "/" + file.path
                try fileManager.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let current = installDirectory + "/" + file.path
                // Only a regular file counts as installed: a link at a listed path (the
                // user's, or planted) is never read, linked or changed through.
                let attributes = try? fileManager.attributesOfItem(atPath: current)
                let isInstalled = attributes?[.type] as? FileAttributeType == .typeRegular
                let currentMode = isInstalled ? (attributes?[.posixPermissions] as? NSNumber)?.uint16Value : nil
                if isInstalled, (try? MD5File.digest(of: current)) == file.md5 {
                    // A hard link shares its mode with the installed file: copy one whose mode changes.
                    if file.permissions.map({ $0 != currentMode.map { $0 & 0o777 } }) == true || link(current, target) != 0 {
                        try fileManager.copyItem(atPath: current, toPath: target)
                    }
                } else {
                    downloadedBytes += try await download(file, to: target)
                    downloadedFiles += 1
                }
                // The repository's mode when it gives one; else a replaced file keeps its own.
                if let mode = file.permissions ?? currentMode.map({ $0 & 0o777 }) {
                    guard chmod(target, mode_t(mode)) == 0 else { throw GoUpdateError("cannot set the mode of \(target): errno \(errno)") }
                }
                progress(Progress(files: index + 1, totalFiles: version.files.count, bytes: downloadedBytes))
            }
            let listed = Set(version.files.map(\.path))
            var links: [String] = []
            for relative in fileManager.enumerator(atPath: installDirectory)?.compactMap({ $0 as? String }) ?? [] {
                guard !listed.contains(relative), !retired.contains(relative), !links.contains(where: { relative.hasPrefix($0 + "/") }) else {
                    continue
                }
                let source = installDirectory + "/" + relative
                let target = staging + "/" + relative
                let type = (try? fileManager.attributesOfItem(atPath: source))?[.type] as? FileAttributeType
                // A link the user made (a data folder kept elsewhere, say) is kept as a link,
                // and nothing is copied through it.
                if type == .typeSymbolicLink {
                    links.append(relative)
                    guard !fileManager.fileExists(atPath: target) else { continue }
                    try fileManager.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try fileManager.createSymbolicLink(atPath: target, withDestinationPath: try fileManager.destinationOfSymbolicLink(atPath: source))
                    continue
                }
                guard type == .typeRegular else { continue }
                try fileManager.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                if link(source, target) != 0 { try fileManager.copyItem(atPath: source, toPath: target) }
            }
        } catch {
            try? fileManager.removeItem(atPath: staging)
            throw error
        }
        return (downloadedFiles, downloadedBytes)
    }

    /// Tries the file's sources in order until one gives the right bytes; returns their size.
    private func download(_ file: VersionFile.File, to target: String) async throws -> Int64 {
        var failures: [String] = []
        for source in file.sources {
            guard source.isSupported else {
                failures.append("\(source.type) \(source.compression ?? "") is not supported")
                continue
            }
            let url = resolve(source.url)
            do {
                let size = try await fetch(url, compressed: source.type == "httpc", to: target)
                if try MD5File.digest(of: target) == file.md5 { return size }
                failures.append("\(url): MD5 differs")
            } catch {
                failures.append("\(url): \(error)")
            }
            try? FileManager.default.removeItem(atPath: target)
        }
        throw GoUpdateError("no source of \(file.path) worked: \(failures.joined(separator: "; "))")
    }

    /// The most bytes one file of an app may take once downloaded (and gunzipped): a hostile
    /// or broken mirror cannot fill the disk.
    static let largestFile: Int64 = 4 << 30

    /// Downloads `url` into `target`, gunzipping on the way when `compressed`; the bytes received.
    private func fetch(_ url: String, compressed: Bool, to target: String) async throws -> Int64 {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(120))
        guard response.status == .ok else { throw GoUpdateError("HTTP \(response.status.code)") }
        guard FileManager.default.createFile(atPath: target, contents: nil), let output = FileHandle(forWritingAtPath: target) else {
            throw GoUpdateError("cannot write \(target)")
        }
        defer { try? output.close() }
        var received: Int64 = 0
        var written: Int64 = 0
        func write(_ bytes: ByteBuffer) throws -> Bool {
            written += Int64(bytes.readableBytes)
            guard written <= Self.largestFile else { throw GoUpdateError("\(url) is larger than \(Self.largestFile) bytes") }
            try output.write(contentsOf: bytes.readableBytesView)
            return true
        }
        var inflater = compressed ? try Inflater(.gzip()) : nil
        defer { inflater?.finish() }
        for try await chunk in response.body {
            received += Int64(chunk.readableBytes)
            var chunk = chunk
            if inflater != nil {
                do {
                    _ = try inflater!.inflate(&chunk, write)
                } catch let error as InflateError {
                    throw GoUpdateError("\(url): \(error)")
                }
            } else {
                _ = try write(chunk)
            }
        }
        return received
    }

    /// A metadata document, its detached signature checked when a key is given.
    private func document(_ name: String, key: Curve25519.Signing.PublicKey?) async throws -> Data {
        let body = try await fetchSmall(resolve(name))
        if let key {
            let signatureText = String(decoding: try await fetchSmall(resolve(name + ".sig")), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard let signature = Data(base64Encoded: signatureText), key.isValidSignature(signature, for: body) else {
                throw GoUpdateError("the signature of \(name) does not verify; refusing tampered or unsigned metadata")
            }
        }
        return body
    }

    private func fetchSmall(_ url: String) async throws -> Data {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        guard response.status == .ok else { throw GoUpdateError("\(url) answered HTTP \(response.status.code)") }
        return Data(buffer: try await response.body.collect(upTo: 64 << 20))
    }

    /// An absolute URL as it is; a relative one against the repository.
    private func resolve(_ url: String) -> String {
        url.hasPrefix("http://") || url.hasPrefix("https://") ? url : repository + "/" + url
    }
}

enum MD5File {
    /// Lowercase hex MD5 of a file, read a megabyte at a time.
    static func digest(of path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw GoUpdateError("cannot read \(path)") }
        defer { try? handle.close() }
        var md5 = Insecure.MD5()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            md5.update(data: chunk)
        }
        return md5.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
