/// The operating system and architecture an app's file is for, such as `macos-universal`,
/// `macos-arm64`, `windows-x86_64` or `linux-x86_64`.
public struct Platform: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum System: String, Sendable, CaseIterable {
        case macos, windows, linux
    }

    public let system: System
    /// `universal` (every architecture of the system), `x86_64`, `arm64`, `i686`, `armv7`, ...
    public let architecture: String

    public static let rule = "macos, windows or linux, a '-', then an architecture of 1 to 32 characters of a-z, 0-9 and '_' (e.g. macos-universal, windows-x86_64)"

    public init(validating text: String, field: String = "platform") throws(HeraldError) {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let system = System(rawValue: String(parts[0])), (1...32).contains(parts[1].utf8.count),
            parts[1].utf8.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") })
        else {
            throw .invalidInput("\(field) '\(text)' is not a platform: \(Self.rule)")
        }
        self.system = system
        architecture = String(parts[1])
    }

    public init(_ system: System, _ architecture: String) {
        self.system = system
        self.architecture = architecture
    }

    public var rawValue: String { "\(system.rawValue)-\(architecture)" }
    public var description: String { rawValue }

    /// The platform's universal sibling, which serves it when it has no file of its own.
    public var universal: Platform { Platform(system, "universal") }

    public static func < (lhs: Platform, rhs: Platform) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One more file of an app build, for one platform, beside the build's own file: what Sparkle,
/// electron-updater, Tauri and TUF clients download.
///
/// Every digest and signature a feed names is computed once, when the file is uploaded:
/// SHA-512 (electron-updater), BLAKE2b-512 (minisign's prehashed signatures, Tauri), SHA-384
/// (`X-Content-Signature`, as for builds) and an Ed25519 signature over the raw bytes (Sparkle's
/// `sparkle:edSignature`).
public struct Artifact: Hashable, Sendable {
    public var build: BuildHash
    public var platform: Platform
    /// The blob: the file's SHA-256.
    public var blob: BuildHash
    public var size: Int64
    public var fileName: FileName
    /// Hex.
    public var sha384: String
    /// Hex.
    public var sha512: String
    /// Hex.
    public var blake2b: String
    /// Base64 Ed25519 signature of the file's bytes, by the package key.
    public var edSignature: String
    /// Milliseconds since 1970.
    public var uploadedAt: Int64

    public init(
        build: BuildHash, platform: Platform, blob: BuildHash, size: Int64, fileName: FileName, sha384: String, sha512: String,
        blake2b: String, edSignature: String, uploadedAt: Int64
    ) {
        self.build = build
        self.platform = platform
        self.blob = blob
        self.size = size
        self.fileName = fileName
        self.sha384 = sha384
        self.sha512 = sha512
        self.blake2b = blake2b
        self.edSignature = edSignature
        self.uploadedAt = uploadedAt
    }
}

extension [Artifact] {
    /// The file for `platform`: its own, else its system's universal one.
    public func file(for platform: Platform) -> Artifact? {
        first { $0.platform == platform } ?? first { $0.platform == platform.universal }
    }
}
