import ArgumentParser
import Foundation
import HeraldCore
import HeraldServer
import HeraldStore

/// `herald tuf init PRODUCT --root-key-out FILE` and `herald tuf root PRODUCT --root-key FILE`:
/// an app's TUF repository and its root, signed with a key the vendor keeps offline.
struct TUFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tuf", abstract: "Make and rotate an app's TUF repository (served at /tuf/PRODUCT/).", subcommands: [Init.self, Root.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the repository's keys and first root; the root key is written to --root-key-out and not kept.")

        @Argument(help: "The app product's id.")
        var product: String

        @Option(name: .customLong("root-key-out"), help: "Where the root's private key is written (mode 0600); keep it offline.")
        var rootKeyOut: String

        @Option(name: .customLong("expires-days"), help: "How long the root is trusted, in days.")
        var expiresDays = 365

        @OptionGroup var data: DataOptions

        func run() async throws {
            let id = try ProductID(validating: product, field: "product")
            try await data.withStore(logger: quietLogger()) { store in
                try await TUFRoots.initialize(
                    id, store: store, expiresInDays: expiresDays, keep: { try writeSecret($0, to: rootKeyOut) },
                    forget: { unlink(rootKeyOut) })
            }
            print("made the TUF repository of \(id): root version 1; the root key is in \(rootKeyOut)")
        }
    }

    struct Root: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign the next root: a new expiry, and with the options a new root key or new online keys.")

        @Argument(help: "The app product's id.")
        var product: String

        @Option(name: .customLong("root-key"), help: "The file holding the current root key.")
        var rootKey: String

        @Option(name: .customLong("new-root-key-out"), help: "Rotate the root key: where the new one is written (mode 0600).")
        var newRootKeyOut: String?

        @Flag(name: .customLong("rotate-online-keys"), help: "Replace the targets, snapshot and timestamp keys Herald holds.")
        var rotateOnlineKeys = false

        @Option(name: .customLong("expires-days"), help: "How long the new root is trusted, in days.")
        var expiresDays = 365

        @OptionGroup var data: DataOptions

        func run() async throws {
            let id = try ProductID(validating: product, field: "product")
            guard let current = FileManager.default.contents(atPath: rootKey) else { throw CommandFailure(message: "cannot read \(rootKey)") }
            let keep: ((String) throws -> Void)? = newRootKeyOut.map { path in { try writeSecret($0, to: path) } }
            let version = try await data.withStore(logger: quietLogger()) { store in
                try await TUFRoots.update(
                    id, store: store, rootKey: String(decoding: current, as: UTF8.self), keepNewRootKey: keep,
                    rotateOnlineKeys: rotateOnlineKeys, expiresInDays: expiresDays, forget: { if let newRootKeyOut { unlink(newRootKeyOut) } })
            }
            print("signed root version \(version) of \(id)" + (newRootKeyOut.map { "; the new root key is in \($0)" } ?? ""))
        }
    }
}

/// Writes `secret` and a newline to a new file readable by its owner alone, on disk before
/// it returns: the key must outlive a crash right after the repository is stored.
private func writeSecret(_ secret: String, to path: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard descriptor >= 0 else { throw CommandFailure(message: "cannot create \(path): errno \(errno)") }
    defer { close(descriptor) }
    let bytes = Array((secret + "\n").utf8)
    guard bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == bytes.count, fsync(descriptor) == 0 else {
        unlink(path)
        throw CommandFailure(message: "cannot write \(path)")
    }
    let folder = open((URL(fileURLWithPath: path).deletingLastPathComponent().path), O_RDONLY)
    if folder >= 0 {
        fsync(folder)
        close(folder)
    }
}
