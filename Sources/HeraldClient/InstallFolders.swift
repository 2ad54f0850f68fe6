import Foundation

/// The installed folder and its companions beside it: the staging folder a new version is
/// built in, the previous version during the swap, and the state files. Nothing is kept
/// inside the installed folder, so it matches its version byte for byte.
struct InstallFolders {
    let installDirectory: String

    private var parent: String { (installDirectory as NSString).deletingLastPathComponent }
    private var name: String { (installDirectory as NSString).lastPathComponent }
    var staging: String { "\(parent)/.\(name).herald-staging" }
    private var previous: String { "\(parent)/.\(name).herald-previous" }
    private var state: String { "\(parent)/.\(name).herald-state.json" }
    /// Written just before the swap: the staging folder is complete and holds this version.
    private var pending: String { "\(parent)/.\(name).herald-pending.json" }
    private var lockFile: String { "\(parent)/.\(name).herald-lock" }
    private var installIDFile: String { "\(parent)/.\(name).herald-install-id" }

    /// This installation's random id, made at its first report: what Herald knows it by, as a
    /// site by its address, and nothing about the machine.
    func installID() -> String {
        if let kept = try? String(contentsOfFile: installIDFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            kept.hasPrefix("install-"), kept.count <= 64
        {
            return kept
        }
        let made = "install-" + UUID().uuidString.lowercased()
        try? made.write(toFile: installIDFile, atomically: true, encoding: .utf8)
        return made
    }

    /// An exclusive lock on the folder, held while one run updates it.
    struct Lock {
        let descriptor: Int32
        func release() { close(descriptor) }
    }

    /// Waits until no other run holds the folder's lock, then takes it.
    func lock() async throws -> Lock {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let descriptor = open(lockFile, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw GoUpdateError("cannot open \(lockFile): errno \(errno)") }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(descriptor)
                throw GoUpdateError("cannot lock \(lockFile): errno \(errno)")
            }
            do {
                try await Task.sleep(for: .milliseconds(100))
            } catch {
                close(descriptor)
                throw error
            }
        }
        return Lock(descriptor: descriptor)
    }

    /// The version installed, from the state file; nil before the first update.
    func installedVersion() -> Int64? {
        read(state)?.version
    }

    /// The product installed, from the state file; nil before the first update, and for a
    /// folder installed before the product was recorded.
    func installedProduct() -> String? {
        read(state)?.product
    }

    /// The catalog revision of the signed channel file the folder was last updated from.
    func installedRevision() -> Int64? {
        read(state)?.revision
    }

    /// Notes a newer revision of the channel file for the installed version.
    func record(revision: Int64) throws {
        guard let installed = read(state), installed.revision.map({ $0 < revision }) ?? true else { return }
        try write(Installed(version: installed.version, product: installed.product, revision: revision), to: state)
    }

    /// Replaces the installed folder with the staging folder.
    func swapIn(version: Int64, product: String?, revision: Int64?) throws {
        try write(Installed(version: version, product: product, revision: revision), to: pending)
        try finishSwap()
    }

    /// Puts things right after a run that was killed: a swap that had begun is completed, and
    /// anything earlier is undone.
    func recover() throws {
        let files = FileManager.default
        if files.fileExists(atPath: pending) {
            try finishSwap()
            return
        }
        if !files.fileExists(atPath: installDirectory), files.fileExists(atPath: previous) {
            try move(previous, to: installDirectory)
        }
        try? files.removeItem(atPath: staging)
        try? files.removeItem(atPath: previous)
    }

    /// Steps of the swap, each safe to repeat: old folder aside, new folder in, state, cleanup.
    private func finishSwap() throws {
        let files = FileManager.default
        guard let installed = read(pending) else { throw GoUpdateError("\(pending) is unreadable") }
        if files.fileExists(atPath: staging) {
            var movedAside = false
            if files.fileExists(atPath: installDirectory) {
                try? files.removeItem(atPath: previous)
                try move(installDirectory, to: previous)
                movedAside = true
            }
            do {
                try move(staging, to: installDirectory)
            } catch {
                if movedAside { try? move(previous, to: installDirectory) }
                try? files.removeItem(atPath: pending)
                throw error
            }
        }
        try write(installed, to: state)
        try? files.removeItem(atPath: previous)
        try files.removeItem(atPath: pending)
    }

    private func move(_ source: String, to destination: String) throws {
        guard rename(source, destination) == 0 else {
            throw GoUpdateError("cannot rename \(source) to \(destination): errno \(errno)")
        }
    }

    /// What a state file records.
    private struct Installed {
        let version: Int64
        let product: String?
        let revision: Int64?
    }

    private func read(_ path: String) -> Installed? {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let version = (object["version"] as? NSNumber)?.int64Value
        else { return nil }
        return Installed(version: version, product: object["product"] as? String, revision: (object["revision"] as? NSNumber)?.int64Value)
    }

    /// Writes `{"version": N, "product": P, "revision": R}` to `path` through a temporary file and a rename.
    private func write(_ installed: Installed, to path: String) throws {
        let temporary = path + ".tmp"
        var object: [String: Any] = ["version": installed.version]
        object["product"] = installed.product
        object["revision"] = installed.revision
        let bytes = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        guard FileManager.default.createFile(atPath: temporary, contents: bytes + Data("\n".utf8)) else {
            throw GoUpdateError("cannot write \(temporary)")
        }
        try move(temporary, to: path)
    }

    /// Refuses a file path from a repository that could leave the installation folder.
    static func checkRelative(_ path: String) throws {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw GoUpdateError("the repository names the file \(path), which would leave the installation folder")
        }
    }
}
