import AsyncHTTPClient
import Crypto
import Foundation
import HeraldCore
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file stored by the blob store, with the digests computed while it streamed in.
public struct StoredBlob: Sendable, Hashable {
    public let hash: BuildHash
    /// Lowercase hex MD5.
    public let md5: String
    /// Lowercase hex SHA-384, which the package signature signs.
    public let sha384: String
    public let size: Int64
}

/// Build files, stored once each under their SHA-256: `blobs/ab/cd/abcd...`.
///
/// A blob is streamed into a temporary file (in `blobs/tmp`, the same file system), fsynced,
/// then renamed into place and its folders fsynced: a crash leaves either the whole blob or a
/// temporary file, which the next start removes. The same bytes stored twice are one blob.
/// Nothing is ever held whole in memory; blocking file calls run on NIO's thread pool.
///
/// With a bucket (``BucketLocation``), stored blobs live there under the same keys instead of
/// in `blobs/ab/cd`: the temporary files, notes and gate stay in the data folder, and a commit
/// uploads the finished file (in parts when large) before it is deleted here. Nothing falls
/// back to the folder when the bucket fails: the publish fails (`blob_store_unavailable`).
///
/// Several instances may share one blob folder: each writes its temporary files in a folder
/// of its own, `tmp/ID`, and holds an exclusive `flock` on `tmp/ID.lock` while it lives. At
/// start, only folders whose lock nobody holds any more are removed.
///
/// A publish notes each blob it places, and a removal the blobs it may delete, in a
/// ``PlacementNote`` (`tmp/ID.N.placed`) until the database has committed: what a crash leaves
/// is found at the next start. Instances sharing the folder also share `tmp/.gate`: each publish
/// holds a shared `flock` on it from its first blob to its commit, and a deletion an exclusive
/// one, so no instance deletes a blob that another is about to commit a build to.
public final class BlobStore: Sendable {
    /// The `blobs` folder inside the data folder.
    public let root: String
    private let temporaryDirectory: String
    private let lockDescriptor: CInt
    /// `tmp/.gate`, which every publish of every instance holds shared and a deletion exclusive.
    private let gatePath: String
    /// The note of the publish or removal the current task runs, if any.
    @TaskLocal static var note: PlacementNote?
    /// The blobs that instances which have ended placed, from their notes: the candidates for
    /// removal when no build uses them. Read at start.
    public let placedByEndedInstances: [BuildHash]
    /// The notes those hashes came from, removed once they have been dealt with.
    private let endedNotes: [String]
    private let threadPool: NIOThreadPool
    private let gate = BlobGate()
    /// Where stored blobs live when not in the folder.
    private let bucket: Bucket?
    /// With a bucket that instances on other hosts share, the database whose lock gates their
    /// publishes and deletions as `tmp/.gate` gates those of one host.
    private let sharedGate: PostgresStore?
    /// With a bucket, how many seconds the presigned URL a download is redirected to works;
    /// nil streams downloads through Herald.
    public let downloadRedirectLifetime: Int?

    /// How many bytes are gathered before one `write` call.
    private static let writeBatchSize = 1 << 20

    /// Opens the blob store in `dataDirectory`, creating its folders, and removes the
    /// temporary files an earlier crash left behind.
    public init(
        dataDirectory: String, bucket: BucketLocation? = nil, downloadRedirectLifetime: Int? = nil, sharedGate: PostgresStore? = nil,
        threadPool: NIOThreadPool = .singleton
    ) throws {
        root = (dataDirectory as NSString).appendingPathComponent("blobs")
        let temporaryRoot = (root as NSString).appendingPathComponent("tmp")
        try FileManager.default.createDirectory(atPath: temporaryRoot, withIntermediateDirectories: true)
        (placedByEndedInstances, endedNotes) = try Self.removeLeftovers(in: temporaryRoot)
        let id = UUID().uuidString.lowercased()
        let lockPath = "\(temporaryRoot)/\(id).lock"
        lockDescriptor = try Self.check(open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644), "create", lockPath)
        guard flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(lockDescriptor)
            throw BlobStoreError(operation: "flock", path: lockPath, code: code)
        }
        temporaryDirectory = "\(temporaryRoot)/\(id)"
        try FileManager.default.createDirectory(atPath: temporaryDirectory, withIntermediateDirectories: false)
        gatePath = "\(temporaryRoot)/.gate"
        self.threadPool = threadPool
        self.bucket = bucket.map { Bucket(location: $0, threadPool: threadPool) }
        self.downloadRedirectLifetime = bucket == nil ? nil : downloadRedirectLifetime
        self.sharedGate = bucket == nil ? nil : sharedGate
    }

    /// The bucket's address, when blobs are stored in one.
    public var bucketLocation: BucketLocation? { bucket?.location }

    /// Fails unless the bucket, if any, answers this store's credentials.
    public func checkBucket() async throws {
        try await bucket?.check()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: temporaryDirectory)
        unlink(temporaryDirectory + ".lock")
        close(lockDescriptor)
    }

    /// Removes what ended instances left in `tmp`: the folders of locks that nobody holds, and
    /// anything else that is not a live instance's but their notes (``PlacementNote``), which
    /// are read and returned (with their paths) for ``forgetEndedNotes()``.
    private static func removeLeftovers(in temporaryRoot: String) throws -> ([BuildHash], [String]) {
        let files = FileManager.default
        let entries = try files.contentsOfDirectory(atPath: temporaryRoot)
        var live: Set<String> = []
        var placed: Set<BuildHash> = []
        var notes: [String] = []
        for entry in entries where entry.hasSuffix(".lock") && !entry.hasPrefix(".") {
            let lockPath = "\(temporaryRoot)/\(entry)"
            let descriptor = open(lockPath, O_RDWR | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            let id = String(entry.dropLast(".lock".count))
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                try? files.removeItem(atPath: "\(temporaryRoot)/\(id)")
                unlink(lockPath)
            } else {
                live.insert(id)
            }
        }
        for entry in entries where !entry.hasSuffix(".lock") && !entry.hasPrefix(".") && !live.contains(entry) {
            let path = "\(temporaryRoot)/\(entry)"
            if entry.hasSuffix(".placed") {
                // `ID.N.placed`: the note of instance ID.
                guard !live.contains(String(entry.prefix { $0 != "." })) else { continue }
                placed.formUnion(PlacementNote.hashes(at: path))
                notes.append(path)
            } else {
                try? files.removeItem(atPath: path)
            }
        }
        return (placed.sorted { $0.rawValue < $1.rawValue }, notes)
    }

    /// Removes the notes ``placedByEndedInstances`` came from, once each blob in them is used
    /// or removed.
    private func forgetEndedNotes() {
        for note in endedNotes { unlink(note) }
    }

    /// True when stored blobs live in a bucket: a writer's file is uploaded by ``BlobWriter/stage()``.
    var storesInBucket: Bool { bucket != nil }

    /// Uploads a finished temporary file to the bucket under its hash, unless the bucket has
    /// it already, noting it first (``PlacementNote``); true when the object is new.
    fileprivate func upload(temporaryPath: String, blob: StoredBlob) async throws -> Bool {
        guard let bucket else { return false }
        let key = bucket.key(of: blob.hash)
        guard try await bucket.size(of: key) == nil else { return false }
        try Self.note?.add([blob.hash])
        try await bucket.upload(fileAt: temporaryPath, size: blob.size, sha256: blob.hash.rawValue, as: key)
        return true
    }

    /// Where the blob with this hash lives in the folder (whether or not it exists); with a
    /// bucket, ``localPath(of:)`` says there is no such file.
    public func path(of hash: BuildHash) -> String {
        "\(root)/\(Self.relativePath(of: hash))"
    }

    /// `ab/cd/abcd…`: where a blob lives under the blob folder, under a bucket's prefix, and
    /// in a backup's `blobs/`.
    public static func relativePath(of hash: BuildHash) -> String {
        let value = hash.rawValue
        return "\(value.prefix(2))/\(value.dropFirst(2).prefix(2))/\(value)"
    }

    /// The blob's file, for serving it without copying, when blobs are kept in the folder;
    /// nil with a bucket.
    public func localPath(of hash: BuildHash) -> String? {
        bucket == nil ? path(of: hash) : nil
    }

    /// True when the blob is stored.
    public func contains(_ hash: BuildHash) async throws -> Bool {
        try await size(of: hash) != nil
    }

    /// The stored blob's size in bytes, or nil when it is not stored.
    public func size(of hash: BuildHash) async throws -> Int64? {
        if let bucket { return try await bucket.size(of: bucket.key(of: hash)) }
        let path = path(of: hash)
        return try await threadPool.runIfActive {
            (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        }
    }

    /// A URL that downloads the blob straight from the bucket, named `fileName`, for
    /// ``downloadRedirectLifetime`` seconds; nil when downloads are streamed through Herald.
    public func downloadRedirect(of hash: BuildHash, fileName: String) -> String? {
        guard let bucket, let lifetime = downloadRedirectLifetime else { return nil }
        return bucket.presignedURL(of: bucket.key(of: hash), fileName: fileName, lifetime: lifetime)
    }

    /// Streams `chunks` into the store and returns the blob's hash, MD5 and size.
    ///
    /// Throws `too_large` as soon as more than `limit` bytes arrive; then, as on any other
    /// failure or cancellation, nothing is stored.
    public func write<Chunks: AsyncSequence>(_ chunks: Chunks, limit: Int64? = nil) async throws -> StoredBlob
    where Chunks.Element == ByteBuffer {
        let writer = try await makeWriter(limit: limit)
        do {
            for try await chunk in chunks {
                try await writer.write(chunk)
            }
            let blob = try await writer.complete()
            try await writer.commit()
            return blob
        } catch {
            writer.discard()
            throw error
        }
    }

    /// A fresh path in this instance's temporary folder, for a file on its way into the store;
    /// the caller deletes it.
    public func scratchPath() -> String {
        "\(temporaryDirectory)/\(UUID().uuidString)"
    }

    /// Stores a copy of the file at `path` (which stays), streamed, and returns its digests.
    public func store(fileAt path: String) async throws -> StoredBlob {
        try await write(BlobContents(path: path, chunkSize: 1 << 20, threadPool: threadPool))
    }

    /// A writer for a blob whose bytes arrive piece by piece (a multipart part, say).
    /// Call ``BlobWriter/complete()`` then ``BlobWriter/commit()`` to store it, or
    /// ``BlobWriter/discard()`` to drop it.
    public func makeWriter(limit: Int64? = nil) async throws -> BlobWriter {
        let temporaryPath = "\(temporaryDirectory)/\(UUID().uuidString)"
        let descriptor = try await threadPool.runIfActive {
            try Self.check(open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644), "create", temporaryPath)
        }
        return BlobWriter(store: self, descriptor: descriptor, temporaryPath: temporaryPath, limit: limit)
    }

    /// Moves a finished temporary file into place under its hash; true when the blob is new.
    fileprivate func commit(temporaryPath: String, descriptor: CInt, hash: BuildHash) async throws -> Bool {
        let destination = path(of: hash)
        let note = Self.note
        try await threadPool.runIfActive {
            do {
                _ = try Self.check(fsync(descriptor), "fsync", temporaryPath)
            } catch {
                close(descriptor)
                throw error
            }
        }
        let root = root
        return try await threadPool.runIfActive {
            try Self.check(close(descriptor), "close", temporaryPath)
            let folder = (destination as NSString).deletingLastPathComponent
            try Self.makeFolders(folder, below: root)
            if FileManager.default.fileExists(atPath: destination) {
                unlink(temporaryPath)
                return false
            }
            // Noted before the move: a crash after it leaves a blob the next start knows of.
            // A blob already there is not this publish's to note (no deletion runs meanwhile).
            try note?.add([hash])
            try Self.check(rename(temporaryPath, destination), "rename", destination)
            try Self.synchronizeDirectory(folder)
            return true
        }
    }

    fileprivate func writeAll(_ buffer: ByteBuffer, to descriptor: CInt, path: String) async throws {
        guard buffer.readableBytes > 0 else { return }
        try await threadPool.runIfActive {
            try buffer.withUnsafeReadableBytes { bytes in
                var offset = 0
                while offset < bytes.count, let base = bytes.baseAddress {
                    let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw Self.failure("write", path, code: errno)
                    }
                    offset += written
                }
            }
        }
    }

    /// The blob's bytes in chunks, read as the consumer asks for them.
    public func contents(of hash: BuildHash, chunkSize: Int = 64 * 1024) -> BlobContents {
        contents(of: hash, range: nil, chunkSize: chunkSize)
    }

    /// The bytes of `range` of the blob (all of it when nil), in chunks, asked for at the first read.
    public func contents(of hash: BuildHash, range: ClosedRange<Int64>?, chunkSize: Int = 64 * 1024) -> BlobContents {
        if let bucket {
            let key = bucket.key(of: hash)
            return BlobContents(remote: {
                guard let body = try await bucket.contents(of: key, range: range) else {
                    throw HeraldError.blobStoreUnavailable("\(key) is not in the bucket")
                }
                return body
            })
        }
        return BlobContents(path: path(of: hash), range: range, chunkSize: chunkSize, threadPool: threadPool)
    }

    /// The bytes of `range` of a blob in the bucket, asked for now, so that a download learns of
    /// a failure before it answers; nil when the blob is not there.
    public func openContents(of hash: BuildHash, range: ClosedRange<Int64>) async throws -> BlobContents? {
        guard let bucket else {
            guard try await contains(hash) else { return nil }
            return contents(of: hash, range: range)
        }
        guard let body = try await bucket.contents(of: bucket.key(of: hash), range: range) else { return nil }
        return BlobContents(remote: { body })
    }

    /// Writes a copy of the blob to a new file at `path`, streamed, and waits for the disk.
    public func copy(_ hash: BuildHash, toFileAt path: String) async throws {
        let descriptor = try await threadPool.runIfActive {
            try Self.check(open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644), "create", path)
        }
        defer { close(descriptor) }
        for try await chunk in contents(of: hash, chunkSize: 1 << 20) {
            try await writeAll(chunk, to: descriptor, path: path)
        }
        try await threadPool.runIfActive { _ = try Self.check(fsync(descriptor), "fsync", path) }
    }

    /// The SHA-256 of any file, read through once, in hex.
    public func sha256(ofFileAt path: String) async throws -> String {
        var function = SHA256()
        for try await chunk in BlobContents(path: path, chunkSize: 1 << 20, threadPool: threadPool) {
            chunk.withUnsafeReadableBytes { function.update(bufferPointer: $0) }
        }
        return function.finalize().hexString
    }

    /// The SHA-256 of a stored blob, read through once: what its name must be.
    public func sha256(of hash: BuildHash) async throws -> String {
        try await digest(of: hash, SHA256())
    }

    /// Every stored blob (not the temporary files) with when it was last written; a file in
    /// the blob folders whose name is not a hash is listed by its path in `strays`.
    public func storedBlobs() async throws -> (blobs: [(hash: BuildHash, modified: Date)], strays: [String]) {
        if let bucket {
            var blobs: [(hash: BuildHash, modified: Date)] = []
            var strays: [String] = []
            for (key, modified) in try await bucket.list() {
                guard let name = key.split(separator: "/").last, let hash = try? BuildHash(validating: String(name)),
                    bucket.key(of: hash) == key
                else {
                    strays.append("s3://\(bucket.location.bucket)/\(key)")
                    continue
                }
                blobs.append((hash, modified))
            }
            return (blobs, strays)
        }
        let files = FileManager.default
        var blobs: [(hash: BuildHash, modified: Date)] = []
        var strays: [String] = []
        for first in try files.contentsOfDirectory(atPath: root).sorted() where first != "tmp" {
            let firstPath = "\(root)/\(first)"
            guard let seconds = try? files.contentsOfDirectory(atPath: firstPath) else {
                strays.append(firstPath)
                continue
            }
            for second in seconds.sorted() {
                let secondPath = "\(firstPath)/\(second)"
                guard let names = try? files.contentsOfDirectory(atPath: secondPath) else {
                    strays.append(secondPath)
                    continue
                }
                for name in names.sorted() {
                    let path = "\(secondPath)/\(name)"
                    guard let hash = try? BuildHash(validating: name), self.path(of: hash) == path else {
                        strays.append(path)
                        continue
                    }
                    let modified = (try? files.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? .distantPast
                    blobs.append((hash, modified))
                }
            }
        }
        return (blobs, strays)
    }

    /// The SHA-384 of a stored blob, read through once; for blobs stored before it was kept.
    public func sha384(of hash: BuildHash) async throws -> String {
        try await digest(of: hash, SHA384())
    }

    /// The blob's digest under `function`, read through once, in hex.
    private func digest<Function: HashFunction>(of hash: BuildHash, _ function: Function) async throws -> String {
        var function = function
        for try await chunk in contents(of: hash, chunkSize: 1 << 20) {
            chunk.withUnsafeReadableBytes { function.update(bufferPointer: $0) }
        }
        return function.finalize().hexString
    }

    /// Runs `body`, which stores blobs and publishes the build that uses them, while no blob is
    /// deleted, by this instance (``BlobGate``) or another (`tmp/.gate`). The blobs it places
    /// are noted until it returns (``PlacementNote``); if it throws, the note stays for the next
    /// start, which removes what no build uses.
    public func publishing<T: Sendable>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        try await gate.publishing {
            let gate = try await lockGate(exclusive: false, waiting: true)
            defer { close(gate ?? -1) }
            let note = newNote()
            func run() async throws -> T { try await Self.$note.withValue(note) { try await body() } }
            let result: T
            if let sharedGate {
                guard let held = try await sharedGate.holdingBlobGate(exclusive: false, run) else {
                    throw HeraldError.databaseUnavailable("the blob gate was not granted")
                }
                result = held
            } else {
                result = try await run()
            }
            note.remove()
            return result
        }
    }

    /// Runs `body`, which removes a build from the database and then `candidates` (the blobs it
    /// used) with ``removeUnused(_:isolation:isUnused:)``, with the candidates noted: a crash
    /// between the commit and the deletion, or a deletion that failed (`body` says it did not
    /// finish), leaves the note, and the next start deletes them.
    public func removing<T>(
        _ candidates: [BuildHash], isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> (T, finished: Bool)
    ) async throws -> T {
        let note = newNote()
        try note.add(candidates)
        let (result, finished) = try await body()
        if finished { note.remove() }
        return result
    }

    /// Deletes each of `hashes` that `isUnused` still finds unused, once this instance's
    /// publishes in progress have finished; returns those deleted. Nil, and nothing deleted,
    /// while another instance is publishing: a deletion never waits on other instances, whose
    /// publishes could keep it waiting for ever, and what it leaves is for a note and a start.
    public func removeUnused(
        _ hashes: [BuildHash], isolation: isolated (any Actor)? = #isolation, isUnused: (BuildHash) async throws -> Bool
    ) async throws -> [BuildHash]? {
        guard !hashes.isEmpty else { return [] }
        return try await gate.deleting {
            guard let gate = try await lockGate(exclusive: true, waiting: false) else { return nil }
            defer { close(gate) }
            guard let sharedGate else { return try await removeEach(hashes, isUnused: isUnused) }
            return try await sharedGate.holdingBlobGate(exclusive: true) { try await removeEach(hashes, isUnused: isUnused) }
        }
    }

    /// Deletes each blob the notes of ended instances name (``placedByEndedInstances``) that
    /// `isUnused` finds unused, then forgets the notes; nil, and the notes kept for the next
    /// start, when another instance is publishing right now.
    public func removeOrphans(isolation: isolated (any Actor)? = #isolation, isUnused: (BuildHash) async throws -> Bool) async throws -> [BuildHash]? {
        try await gate.deleting {
            guard let gate = try await lockGate(exclusive: true, waiting: false) else { return nil }
            defer { close(gate) }
            func remove() async throws -> [BuildHash] {
                var placed: [BuildHash] = []
                for hash in placedByEndedInstances where try await contains(hash) { placed.append(hash) }
                return try await removeEach(placed, isUnused: isUnused)
            }
            let removed: [BuildHash]?
            if let sharedGate {
                removed = try await sharedGate.holdingBlobGate(exclusive: true, remove)
            } else {
                removed = try await remove()
            }
            if removed != nil { forgetEndedNotes() }
            return removed
        }
    }

    private func removeEach(
        _ hashes: [BuildHash], isolation: isolated (any Actor)? = #isolation, isUnused: (BuildHash) async throws -> Bool
    ) async throws -> [BuildHash] {
        var removed: [BuildHash] = []
        for hash in hashes where try await isUnused(hash) {
            try await remove(hash)
            removed.append(hash)
        }
        return removed
    }

    private func newNote() -> PlacementNote {
        PlacementNote(path: "\(temporaryDirectory).\(UUID().uuidString.lowercased()).placed")
    }

    /// An open descriptor of `tmp/.gate` locked shared or exclusive, waiting for it on the thread
    /// pool when `waiting`; nil when not waiting and another instance holds it. (`flock` works
    /// between the processes of one machine's file system, which is what a shared data folder is.)
    private func lockGate(exclusive: Bool, waiting: Bool) async throws -> CInt? {
        let path = gatePath
        return try await threadPool.runIfActive {
            let descriptor = try Self.check(open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0o644), "open", path)
            var operation = exclusive ? LOCK_EX : LOCK_SH
            if !waiting { operation |= LOCK_NB }
            while flock(descriptor, operation) != 0 {
                let code = errno
                if code == EINTR { continue }
                close(descriptor)
                if code == EWOULDBLOCK { return nil }
                throw BlobStoreError(operation: "flock", path: path, code: code)
            }
            return descriptor
        }
    }

    /// Deletes the blob; nothing happens if it is not there.
    private func remove(_ hash: BuildHash) async throws {
        if let bucket { return try await bucket.delete(bucket.key(of: hash)) }
        let path = path(of: hash)
        try await threadPool.runIfActive {
            if unlink(path) != 0 && errno != ENOENT {
                throw BlobStoreError(operation: "unlink", path: path, code: errno)
            }
        }
    }

    /// Creates the fan-out folders of `folder` under `root` that are missing, fsyncing each
    /// parent, so that a blob's path survives a power loss once its rename does.
    fileprivate static func makeFolders(_ folder: String, below root: String) throws {
        var parent = root
        for component in folder.dropFirst(root.count).split(separator: "/") {
            let path = "\(parent)/\(component)"
            if mkdir(path, 0o755) == 0 {
                try synchronizeDirectory(parent)
            } else if errno != EEXIST {
                throw failure("mkdir", path, code: errno)
            }
            parent = path
        }
    }

    fileprivate static func synchronizeDirectory(_ path: String) throws {
        let descriptor = try check(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open", path)
        defer { close(descriptor) }
        try check(fsync(descriptor), "fsync", path)
    }

    @discardableResult
    fileprivate static func check(_ result: CInt, _ operation: String, _ path: String) throws -> CInt {
        guard result >= 0 else { throw failure(operation, path, code: errno) }
        return result
    }

    /// A failed call's error: a full file system is the client's to hear about (507), any
    /// other failure is the operator's.
    static func failure(_ operation: String, _ path: String, code: CInt) -> any Error {
        code == ENOSPC || code == EDQUOT ? HeraldError.insufficientStorage : BlobStoreError(operation: operation, path: path, code: code)
    }
}

/// Whether `error` says a file system is full: a client is told so (507) and may send again
/// later, whichever file write failed.
public func isOutOfSpace(_ error: any Error) -> Bool {
    if let error = error as? HeraldError { return error.code == HeraldError.insufficientStorage.code }
    if let error = error as? BlobStoreError { return error.code == ENOSPC || error.code == EDQUOT }
    let error = error as NSError
    if error.domain == NSPOSIXErrorDomain { return error.code == Int(ENOSPC) || error.code == Int(EDQUOT) }
    if error.domain == NSCocoaErrorDomain, error.code == CocoaError.fileWriteOutOfSpace.rawValue { return true }
    return (error.userInfo[NSUnderlyingErrorKey] as? any Error).map(isOutOfSpace) ?? false
}

/// A failed file system call of the blob store: which call, on which file, and why.
public struct BlobStoreError: Error, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let code: CInt

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(code)))"
    }
}

/// A blob's bytes as an async sequence of chunks: from a file, opened on the first read and
/// closed at its end or when the iterator is dropped, or from the bucket's answer to a GET.
public struct BlobContents: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    enum Source: Sendable {
        case file(path: String, range: ClosedRange<Int64>?, chunkSize: Int, threadPool: NIOThreadPool)
        case remote(@Sendable () async throws -> HTTPClientResponse.Body)
    }

    let source: Source

    init(path: String, range: ClosedRange<Int64>? = nil, chunkSize: Int, threadPool: NIOThreadPool) {
        source = .file(path: path, range: range, chunkSize: chunkSize, threadPool: threadPool)
    }

    init(remote: @escaping @Sendable () async throws -> HTTPClientResponse.Body) {
        source = .remote(remote)
    }

    /// Any file's bytes in chunks, such as a build file about to be published.
    public init(fileAt path: String, chunkSize: Int = 64 * 1024) {
        self.init(path: path, chunkSize: chunkSize, threadPool: .singleton)
    }

    public func makeAsyncIterator() -> Iterator {
        switch source {
        case .file(let path, let range, let chunkSize, let threadPool):
            Iterator(file: FileChunks(path: path, range: range, chunkSize: chunkSize, threadPool: threadPool))
        case .remote(let request):
            Iterator(request: request)
        }
    }

    public final class Iterator: AsyncIteratorProtocol {
        private var file: FileChunks?
        private var request: (@Sendable () async throws -> HTTPClientResponse.Body)?
        private var body: HTTPClientResponse.Body.AsyncIterator?

        init(file: FileChunks) {
            self.file = file
        }

        init(request: @escaping @Sendable () async throws -> HTTPClientResponse.Body) {
            self.request = request
        }

        public func next() async throws -> ByteBuffer? {
            if let file { return try await file.next() }
            if let request {
                self.request = nil
                body = try await request().makeAsyncIterator()
            }
            do {
                return try await body?.next()
            } catch {
                throw HeraldError.blobStoreUnavailable("reading from the bucket: \(error)")
            }
        }
    }
}

/// A file's bytes, or a range of them, read a chunk at a time on the thread pool.
final class FileChunks {
    private let path: String
    private let chunkSize: Int
    private let threadPool: NIOThreadPool
    private var descriptor: CInt?
    private var offset: Int64
    /// Bytes still to read; nil reads to the end.
    private var remaining: Int64?
    private var finished = false

    init(path: String, range: ClosedRange<Int64>?, chunkSize: Int, threadPool: NIOThreadPool) {
        self.path = path
        self.chunkSize = chunkSize
        self.threadPool = threadPool
        offset = range?.lowerBound ?? 0
        remaining = range.map { $0.upperBound - $0.lowerBound + 1 }
    }

    func next() async throws -> ByteBuffer? {
        guard !finished, remaining.map({ $0 > 0 }) ?? true else {
            finish()
            return nil
        }
        let path = path
        let descriptor: CInt
        if let open = self.descriptor {
            descriptor = open
        } else {
            descriptor = try await threadPool.runIfActive {
                let result = Glibc.open(path, O_RDONLY | O_CLOEXEC)
                guard result >= 0 else { throw BlobStoreError(operation: "open", path: path, code: errno) }
                return result
            }
            self.descriptor = descriptor
        }
        let size = remaining.map { Int(Swift.min(Int64(chunkSize), $0)) } ?? chunkSize
        let offset = offset
        let chunk = try await threadPool.runIfActive {
            var buffer = ByteBuffer()
            while true {
                var failure: CInt = 0
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { bytes in
                    let count = pread(descriptor, bytes.baseAddress, size, off_t(offset))
                    if count < 0 { failure = errno }
                    return Swift.max(count, 0)
                }
                if failure == 0 { return buffer }
                if failure != EINTR { throw BlobStoreError(operation: "read", path: path, code: failure) }
            }
        }
        if chunk.readableBytes == 0 {
            // The file ended before the range did: it changed under the reader.
            if remaining != nil { throw BlobStoreError(operation: "read", path: path, code: EIO) }
            finish()
            return nil
        }
        self.offset += Int64(chunk.readableBytes)
        remaining = remaining.map { $0 - Int64(chunk.readableBytes) }
        return chunk
    }

    private func finish() {
        finished = true
        if let descriptor {
            close(descriptor)
            self.descriptor = nil
        }
    }

    deinit {
        if let descriptor { close(descriptor) }
    }
}

/// One blob being written: bytes go to a temporary file while SHA-256, SHA-384 and MD5 are computed.
///
/// Used by one task at a time. Dropped without ``finish()``, it deletes its temporary file.
public final class BlobWriter {
    private let store: BlobStore
    private let descriptor: CInt
    private let temporaryPath: String
    private let limit: Int64?
    private var sha256 = SHA256()
    private var md5 = Insecure.MD5()
    private var sha384 = SHA384()
    private var batch = ByteBuffer()
    /// Whether `descriptor` is still this writer's to close.
    private var isOpen = true
    private var completed: StoredBlob?
    /// What ``stage()`` found: whether its upload made a new object.
    private var staged: Bool?
    private var committed: Bool?
    /// Bytes received so far.
    public private(set) var size: Int64 = 0

    /// How many bytes are gathered before one `write` call.
    private static let batchSize = 1 << 20

    fileprivate init(store: BlobStore, descriptor: CInt, temporaryPath: String, limit: Int64?) {
        self.store = store
        self.descriptor = descriptor
        self.temporaryPath = temporaryPath
        self.limit = limit
    }

    /// Appends `chunk`; throws `too_large` once the limit is passed.
    public func write(_ chunk: ByteBuffer) async throws {
        size += Int64(chunk.readableBytes)
        if let limit, size > limit {
            throw HeraldError.tooLarge(limit: limit)
        }
        chunk.withUnsafeReadableBytes { bytes in
            sha256.update(bufferPointer: bytes)
            md5.update(bufferPointer: bytes)
            sha384.update(bufferPointer: bytes)
        }
        batch.writeImmutableBuffer(chunk)
        if batch.readableBytes >= Self.batchSize {
            try await store.writeAll(batch, to: descriptor, path: temporaryPath)
            batch.clear()
        }
    }

    /// Writes out what is buffered and returns the blob's digests; the file stays temporary,
    /// at ``path``, so that it can be checked before ``commit()``.
    public func complete() async throws -> StoredBlob {
        if let completed { return completed }
        try await store.writeAll(batch, to: descriptor, path: temporaryPath)
        batch.clear()
        let blob = StoredBlob(
            hash: try BuildHash(validating: sha256.finalize().hexString), md5: md5.finalize().hexString,
            sha384: sha384.finalize().hexString, size: size)
        completed = blob
        return blob
    }

    /// With a bucket, uploads the completed blob now, before the transaction that records it
    /// (which ``commit()`` then only finishes): a database transaction never waits on the
    /// network. True when this call made a new object; with a folder it does nothing.
    @discardableResult
    public func stage() async throws -> Bool {
        if let staged { return staged }
        guard store.storesInBucket else { return false }
        let blob = try await complete()
        closeDescriptor()
        let placed = try await store.upload(temporaryPath: temporaryPath, blob: blob)
        staged = placed
        return placed
    }

    /// Stores the completed blob under its hash; true when this call placed bytes no blob had
    /// before (false when ``stage()`` placed them). Calling it again (a retried transaction)
    /// answers as the first call did.
    @discardableResult
    public func commit() async throws -> Bool {
        if let committed { return committed }
        if store.storesInBucket {
            let wasStaged = staged != nil
            let placed = try await stage()
            unlink(temporaryPath)
            committed = wasStaged ? false : placed
            return wasStaged ? false : placed
        }
        let blob = try await complete()
        // A commit that failed closed the file: it cannot be tried again.
        guard isOpen else { throw BlobStoreError(operation: "commit", path: temporaryPath, code: EBADF) }
        isOpen = false
        do {
            let isNew = try await store.commit(temporaryPath: temporaryPath, descriptor: descriptor, hash: blob.hash)
            committed = isNew
            return isNew
        } catch {
            unlink(temporaryPath)
            throw error
        }
    }

    private func closeDescriptor() {
        if isOpen {
            isOpen = false
            close(descriptor)
        }
    }

    /// Drops what was written.
    public func discard() {
        closeDescriptor()
        unlink(temporaryPath)
    }

    /// The temporary file, for reading the upload (its zip metadata) before it is stored.
    public var path: String { temporaryPath }

    deinit {
        closeDescriptor()
        if committed == nil { unlink(temporaryPath) }
    }
}
