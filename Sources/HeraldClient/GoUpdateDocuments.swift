import Foundation

// What a GoUpdate repository sends the client: bytes from outside, read with Foundation alone
// so that Fuzz/run can build them into a fuzz target.

/// Why an update did not happen; the installed folder is untouched.
public struct GoUpdateError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A channel file: the version id it points at, and Herald's additions: the channel and
/// product it is for, and when it expires.
struct ChannelPointer {
    let latestVersion: Int64
    let channel: String?
    let product: String?
    let expires: Date?
    /// The catalog revision the file was made from; it only grows.
    let revision: Int64?

    init(json: Data) throws {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
            let latest = (object["LatestVersion"] as? NSNumber)?.int64Value
        else {
            throw GoUpdateError("the channel file has no LatestVersion")
        }
        latestVersion = latest
        channel = object["Id"] as? String
        product = object["Product"] as? String
        expires = (object["Expires"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }
        revision = (object["Revision"] as? NSNumber)?.int64Value
    }
}

/// A version file: its id and files, read in either spelling (seed 001's or MultiMC's).
struct VersionFile {
    struct Source {
        let type: String
        let url: String
        let compression: String?

        /// http, and httpc with gz; seed 001 lets clients skip what they cannot decompress.
        var isSupported: Bool { type == "http" || (type == "httpc" && compression == "gz") }
    }

    struct File {
        let path: String
        let md5: String
        let sources: [Source]
        /// The mode to give the file (MultiMC's `Perms`), at most 0755; nil when the repository
        /// gives none, or gives `Perms` without `Executable` (Herald's sign that the archive
        /// recorded no mode).
        let permissions: UInt16?
    }

    let id: Int64
    /// The version as people write it, e.g. `2.0` (seed 001's `Name`).
    let name: String?
    /// The product the version is of (Herald's addition).
    let product: String?
    let files: [File]

    init(json: Data) throws {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
            let id = (object["Id"] as? NSNumber)?.int64Value, let files = object["Files"] as? [[String: Any]]
        else {
            throw GoUpdateError("the version file has no Id or Files")
        }
        self.id = id
        name = object["Name"] as? String
        product = object["Product"] as? String
        self.files = try files.map { file in
            guard let path = file["Path"] as? String, let md5 = (file["Md5"] ?? file["MD5"]) as? String else {
                throw GoUpdateError("a file of version \(id) has no Path or Md5")
            }
            let sources = (file["Sources"] as? [[String: Any]] ?? []).compactMap { source -> Source? in
                guard let type = (source["source_type"] ?? source["SourceType"]) as? String,
                    let url = (source["url"] ?? source["Url"]) as? String
                else { return nil }
                return Source(type: type, url: url, compression: source["CompressionType"] as? String)
            }
            let permissions = file["Executable"] != nil ? (file["Perms"] as? NSNumber).flatMap { UInt16(exactly: $0.int64Value & 0o755) } : nil
            return File(path: path, md5: md5.lowercased(), sources: sources, permissions: permissions)
        }
    }
}
