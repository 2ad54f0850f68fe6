/// One file inside an app's build archive, as a GoUpdate repository lists it (seed 001): where
/// it is installed, its MD5, and the blobs its bytes are stored as.
public struct BuildFile: Hashable, Sendable {
    /// Relative to the installation folder, `/`-separated, checked by ``validatePath(_:)``.
    public var path: String
    public var size: Int64
    /// Lowercase hex MD5 of the bytes: what the updater compares with the file on disk.
    public var md5: String
    /// The blob holding the bytes.
    public var blob: BuildHash
    /// A gzip copy, kept only when it is smaller than the file.
    public var gzipBlob: BuildHash?
    /// The permission bits the archive gives the file; nil when it records none.
    public var permissions: UInt16?

    /// The mode a repository names for a file whose mode is unknown: readable, not executable.
    public static let defaultPermissions: UInt16 = 0o644

    public init(path: String, size: Int64, md5: String, blob: BuildHash, gzipBlob: BuildHash? = nil, permissions: UInt16? = nil) {
        self.path = path
        self.size = size
        self.md5 = md5
        self.blob = blob
        self.gzipBlob = gzipBlob
        self.permissions = permissions
    }

    /// The mode an updater gives the installed file (MultiMC's `Perms`): the archive's, without
    /// setuid, setgid, sticky or group and world write bits; nil when the archive recorded
    /// none, or one the owner cannot read (a zip entry carrying only its type, say).
    public var installedPermissions: UInt16? {
        guard let permissions, permissions & 0o400 != 0 else { return nil }
        return permissions & 0o755
    }

    /// Refuses a path that could land outside the installation folder or that a file system
    /// could read differently: absolute, with `..` or `.` parts, empty parts, backslashes,
    /// control characters, or over 1,024 bytes.
    public static func validatePath(_ path: String) throws(HeraldError) {
        func refuse(_ rule: String) -> HeraldError {
            .refusedArchiveEntry("the archive entry \(quoted(path)) \(rule)")
        }
        guard !path.isEmpty, path.utf8.count <= 1024 else { throw refuse("must have a path of 1 to 1,024 bytes") }
        guard !path.hasPrefix("/") else { throw refuse("is absolute; entries must be relative to the installation folder") }
        guard !path.contains("\\") else { throw refuse("contains a backslash") }
        guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw refuse("contains a control character")
        }
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == ".." { throw refuse("climbs out of the installation folder with '..'") }
            if part.isEmpty || part == "." { throw refuse("has an empty or '.' part") }
        }
    }
}
