import Crypto
import Foundation
import HeraldCore
import HeraldFormats

/// The package key's signatures of whole files, for the desktop updaters that check them:
/// Sparkle's (Ed25519 over the file's bytes) and minisign's, which Tauri's updater checks.
extension PackageSigner {
    /// Ed25519 over the bytes of the file at `path`, base64: Sparkle's `sparkle:edSignature`,
    /// as its `sign_update` makes it. The file is mapped, not read into memory: Ed25519 reads
    /// its message twice.
    public func signature(ofFileAt path: String) throws -> String {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        return try signingKey.signature(for: bytes).base64EncodedString()
    }

    /// The key's number in minisign's formats: the first 8 bytes of the SHA-256 of the public key.
    private var minisignKeyNumber: [UInt8] {
        Array(SHA256.hash(data: signingKey.publicKey.rawRepresentation).prefix(8))
    }

    /// The public key as a minisign public key file: what `minisign -V -p` reads, and, in
    /// base64, the `pubkey` of a Tauri app's updater settings.
    public var minisignPublicKey: String {
        let number = minisignKeyNumber
        let id = number.reversed().map { String(format: "%02X", $0) }.joined()
        let key = Data([UInt8(ascii: "E"), UInt8(ascii: "d")] + number + signingKey.publicKey.rawRepresentation)
        return "untrusted comment: minisign public key \(id)\n\(key.base64EncodedString())\n"
    }

    /// A minisign signature file of a file whose BLAKE2b-512 is `blake2b` (hex): the prehashed
    /// form (`ED`) that minisign makes by default and Tauri's signer makes. `trustedComment`
    /// is signed with the signature (the global signature), so it cannot be altered.
    public func minisignSignature(blake2b hex: String, trustedComment: String) throws -> String {
        guard let digest = Data(hexString: hex), digest.count == BLAKE2b.digestSize else {
            throw HeraldError.invalidInput("a BLAKE2b-512 digest is 128 hex digits")
        }
        guard !trustedComment.contains("\n"), !trustedComment.contains("\r") else {
            throw HeraldError.invalidInput("a minisign trusted comment is one line")
        }
        let signature = try signingKey.signature(for: digest)
        let line = Data([UInt8(ascii: "E"), UInt8(ascii: "D")] + minisignKeyNumber + signature)
        let global = try signingKey.signature(for: signature + Data(trustedComment.utf8))
        return """
            untrusted comment: signature from herald secret key
            \(line.base64EncodedString())
            trusted comment: \(trustedComment)
            \(global.base64EncodedString())

            """
    }
}
