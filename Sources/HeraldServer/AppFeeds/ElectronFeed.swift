import Foundation
import HeraldCore

/// electron-updater's update files, as electron-builder's generic provider publishes them:
/// `/electron/{product}/{channel}.yml` (Windows), `{channel}-mac.yml`, `{channel}-linux.yml`
/// and `{channel}-linux-arm64.yml`; `latest` is stable.
///
/// `files` lists the system's platform files (universal first, then x86_64, so electron-updater's
/// pick of the first file on Windows is the one for every architecture; its macOS updater picks the
/// file whose URL names `arm64` on Apple silicon), each with its SHA-512 in base64 and size;
/// `path` and `sha512` repeat the first, as older clients read them. While a staged rollout
/// runs, the file names the rollout's build with `stagingPercentage`: electron-updater
/// installs it only on the share of installs its own random number puts below it.
struct ElectronFeed {
    enum Kind {
        case windows, mac, linux(architecture: String)

        var system: Platform.System {
            switch self {
            case .windows: .windows
            case .mac: .macos
            case .linux: .linux
            }
        }
    }

    let channel: String
    let kind: Kind

    /// Reads a file name: `CHANNEL.yml`, `CHANNEL-mac.yml`, `CHANNEL-linux.yml`,
    /// `CHANNEL-linux-ARCH.yml`; nil for anything else.
    init?(fileName: String) {
        guard fileName.hasSuffix(".yml") else { return nil }
        let stem = String(fileName.dropLast(4))
        if stem.hasSuffix("-mac") {
            channel = String(stem.dropLast(4))
            kind = .mac
        } else if stem.hasSuffix("-linux") {
            channel = String(stem.dropLast(6))
            kind = .linux(architecture: "x86_64")
        } else if let range = stem.range(of: "-linux-", options: .backwards) {
            channel = String(stem[..<range.lowerBound])
            // Node's names for architectures (`process.arch`), as electron-updater asks.
            let node = ["x64": "x86_64", "ia32": "i686", "arm": "armv7"]
            let architecture = String(stem[range.upperBound...])
            kind = .linux(architecture: node[architecture] ?? architecture)
        } else {
            channel = stem
            kind = .windows
        }
        guard !channel.isEmpty else { return nil }
    }

    /// The YAML for `releases`; nil when the channel's build has no file for the system.
    func yaml(_ releases: AppReleases, urls: PublicURL) throws -> String? {
        let release = try releases.release(named: channel)
        // A rollout whose build has no file for this system leaves the system on the channel's build.
        let staged = releases.rollouts[release.channel.id].flatMap { self.files(of: $0.release).isEmpty ? nil : $0 }
        let shown = staged?.release ?? release
        let shownFiles = self.files(of: shown)
        guard let first = shownFiles.first else { return nil }
        var lines = ["version: \(Self.quoted(shown.build.version.rawValue))", "files:"]
        for file in shownFiles {
            lines.append("  - url: \(Self.quoted(urls.download(of: file)))")
            lines.append("    sha512: \(Self.quoted(Self.base64(hex: file.sha512)))")
            lines.append("    size: \(file.size)")
        }
        lines.append("path: \(Self.quoted(urls.download(of: first)))")
        lines.append("sha512: \(Self.quoted(Self.base64(hex: first.sha512)))")
        lines.append("releaseDate: \(Self.quoted(Date.iso8601Milliseconds(staged?.rollout.startedAt ?? shown.build.timestamp)))")
        if let staged {
            lines.append("stagingPercentage: \(staged.rollout.percentage)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The files for the asked system: for Linux the asked architecture (else universal),
    /// for the others every file of the system, universal first.
    private func files(of release: AppReleases.Release) -> [Artifact] {
        if case .linux(let architecture) = kind {
            return release.artifacts.file(for: Platform(.linux, architecture)).map { [$0] } ?? []
        }
        // electron-updater on Windows installs the first file: universal, then x86_64.
        func rank(_ artifact: Artifact) -> Int {
            ["universal": 0, "x86_64": 1][artifact.platform.architecture] ?? 2
        }
        return release.artifacts.filter { $0.platform.system == kind.system }
            .sorted { (rank($0), $0.platform.rawValue) < (rank($1), $1.platform.rawValue) }
    }

    /// A YAML single-quoted scalar: nothing inside is read as YAML syntax.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func base64(hex: String) -> String {
        Data(hexString: hex)?.base64EncodedString() ?? ""
    }
}
