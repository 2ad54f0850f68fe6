import Foundation
import HeraldCore
import HeraldFormats
import HeraldStore

/// Tauri's updater: the dynamic endpoint `/tauri/{product}/{target}/{arch}/{current_version}`
/// (204 when nothing newer serves the platform, else 200 with one platform's update) and the
/// static `/tauri/{product}/{channel}/latest.json` with every platform's.
///
/// `signature` is a minisign signature file, base64, as Tauri's signer writes it: the
/// prehashed form (Ed25519 over the file's BLAKE2b-512), which the `minisign-verify` crate
/// Tauri's updater uses accepts, by the package key; the app's `pubkey` is
/// `/api/signing_key`'s `tauri_public_key`.
struct TauriFeed {
    let signer: PackageSigner
    let urls: PublicURL

    /// A Tauri target and architecture (`darwin`, `aarch64`) as a Herald platform (`macos-arm64`).
    static func platform(target: String, architecture: String) throws -> Platform {
        let system: Platform.System
        switch target {
        case "darwin", "macos": system = .macos
        case "windows": system = .windows
        case "linux": system = .linux
        default: throw HeraldError.invalidInput("target '\(target)' is not one of Tauri's: darwin, windows, linux")
        }
        let known = ["x86_64": "x86_64", "aarch64": "arm64", "i686": "i686", "armv7": "armv7"]
        guard let mapped = known[architecture] else {
            throw HeraldError.invalidInput("arch '\(architecture)' is not one of Tauri's: x86_64, aarch64, i686, armv7")
        }
        return Platform(system, mapped)
    }

    /// The update for one platform, or nil when the channel serves it nothing newer than `current`.
    func update(_ release: AppReleases.Release, platform: Platform, current: Version) throws -> [String: String]? {
        guard release.build.version.isNewer(than: current), let file = release.artifacts.file(for: platform) else { return nil }
        var update = entry(file)
        update["version"] = release.build.version.rawValue
        update["notes"] = release.build.changelog ?? ""
        update["pub_date"] = Date.iso8601Milliseconds(release.build.timestamp)
        return update
    }

    /// `latest.json`: the channel's version, and a platform entry per Tauri platform a file
    /// serves (a universal file serves both architectures Tauri names for its system).
    func latest(_ release: AppReleases.Release) throws -> [String: Any] {
        var platforms: [String: [String: String]] = [:]
        let names: [Platform.System: String] = [.macos: "darwin", .windows: "windows", .linux: "linux"]
        for file in release.artifacts {
            guard let target = names[file.platform.system] else { continue }
            let architectures =
                file.platform.architecture == "universal"
                ? ["x86_64", "aarch64"] : [file.platform.architecture == "arm64" ? "aarch64" : file.platform.architecture]
            for architecture in architectures {
                let key = "\(target)-\(architecture)"
                // A file of the architecture's own wins over the universal one.
                if platforms[key] != nil, file.platform.architecture == "universal" { continue }
                platforms[key] = entry(file)
            }
        }
        return [
            "version": release.build.version.rawValue, "notes": release.build.changelog ?? "",
            "pub_date": Date.iso8601Milliseconds(release.build.timestamp), "platforms": platforms,
        ]
    }

    private func entry(_ file: Artifact) -> [String: String] {
        let comment = "timestamp:\(file.uploadedAt / 1000)\tfile:\(file.fileName)"
        let signature = (try? signer.minisignSignature(blake2b: file.blake2b, trustedComment: comment)) ?? ""
        return ["url": urls.download(of: file), "signature": Data(signature.utf8).base64EncodedString()]
    }
}
