import Crypto
import Foundation
import HeraldCore
import HeraldStore
import HeraldTestSupport
import NIOCore
import Synchronization
import Testing

@Suite("Blob store")
struct BlobStoreTests {
    /// `count` chunks of `size` bytes, each made on demand: the whole is never in memory here either.
    struct Chunks: AsyncSequence, Sendable {
        let count: Int
        let size: Int

        func makeAsyncIterator() -> Iterator { Iterator(count: count, size: size) }

        struct Iterator: AsyncIteratorProtocol {
            let count: Int
            let size: Int
            var index = 0

            mutating func next() async -> ByteBuffer? {
                guard index < count else { return nil }
                defer { index += 1 }
                return ByteBuffer(repeating: UInt8(truncatingIfNeeded: index), count: size)
            }
        }

        var expectedSHA256: String {
            var hasher = SHA256()
            for index in 0..<count {
                hasher.update(data: [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: size))
            }
            return hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
    }

    @Test("A blob is stored under its SHA-256, fanned out, with its MD5 and size")
    func storesByHash() async throws {
        try await withTemporaryFolder("blobs") { folder in
            let blobs = try BlobStore(dataDirectory: folder)
            let bytes = Array("hello herald".utf8)
            let blob = try await blobs.write(Chunks1(bytes: bytes))
            let expected = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            #expect(blob.hash.rawValue == expected)
            #expect(blob.md5 == Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
            #expect(blob.size == Int64(bytes.count))
            let path = blobs.path(of: blob.hash)
            #expect(path.hasSuffix("/blobs/\(expected.prefix(2))/\(expected.dropFirst(2).prefix(2))/\(expected)"))
            #expect(FileManager.default.contents(atPath: path) == Data(bytes))
            var read: [UInt8] = []
            for try await chunk in blobs.contents(of: blob.hash, chunkSize: 5) {
                #expect(chunk.readableBytes <= 5)
                read += chunk.readableBytesView
            }
            #expect(read == bytes)
        }
    }

    @Test("The same bytes twice make one blob, and no temporary file is left")
    func sameBytesOnce() async throws {
        try await withTemporaryFolder("blobs") { folder in
            let blobs = try BlobStore(dataDirectory: folder)
            let first = try await blobs.write(Chunks(count: 3, size: 1000))
            let second = try await blobs.write(Chunks(count: 3, size: 1000))
            #expect(first == second)
            let files = try FileManager.default.subpathsOfDirectory(atPath: blobs.root).filter {
                var isDirectory: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: blobs.root + "/" + $0, isDirectory: &isDirectory)
                return exists && !isDirectory.boolValue
            }
            let stored = files.filter { !$0.hasPrefix("tmp/") }
            let temporary = files.filter { $0.hasPrefix("tmp/") && !$0.hasSuffix(".lock") && !$0.hasSuffix(".placed") }
            #expect(stored == [String(blobs.path(of: first.hash).dropFirst(blobs.root.count + 1))])
            #expect(temporary.isEmpty, "temporary files left: \(temporary)")
        }
    }

    @Test("A 64 MiB file streams in and out in chunks")
    func streamsLargeFile() async throws {
        try await withTemporaryFolder("blobs") { folder in
            let blobs = try BlobStore(dataDirectory: folder)
            let source = Chunks(count: 1024, size: 64 * 1024)
            let blob = try await blobs.write(source)
            #expect(blob.size == 64 << 20)
            #expect(blob.hash.rawValue == source.expectedSHA256)
            var hasher = SHA256()
            var largest = 0
            for try await chunk in blobs.contents(of: blob.hash) {
                largest = max(largest, chunk.readableBytes)
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            }
            #expect(hasher.finalize().map { String(format: "%02x", $0) }.joined() == blob.hash.rawValue)
            #expect(largest <= 64 * 1024)
        }
    }

    @Test("A body over the limit is refused and nothing is stored")
    func limit() async throws {
        try await withTemporaryFolder("blobs") { folder in
            let blobs = try BlobStore(dataDirectory: folder)
            await #expect { try await blobs.write(Chunks(count: 10, size: 1000), limit: 9_999) } throws: {
                ($0 as? HeraldError)?.code == "too_large"
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: blobs.root) == ["tmp"])
            let instanceFolders = try FileManager.default.contentsOfDirectory(atPath: blobs.root + "/tmp").filter { !$0.hasSuffix(".lock") && !$0.hasSuffix(".placed") }
            #expect(instanceFolders.count == 1)
            for folder in instanceFolders {
                #expect(try FileManager.default.contentsOfDirectory(atPath: blobs.root + "/tmp/" + folder).isEmpty)
            }
            let exact = try await blobs.write(Chunks(count: 10, size: 1000), limit: 10_000)
            #expect(try await blobs.contains(exact.hash))
        }
    }

    @Test("Temporary files left by a crash are removed at start; a live instance's and the blobs stay")
    func leftoversRemoved() async throws {
        try await withTemporaryFolder("blobs") { folder in
            let blob = try await BlobStore(dataDirectory: folder).write(Chunks(count: 1, size: 10))
            let tmp = folder + "/blobs/tmp"
            // An instance that crashed mid-upload: its lock file is no longer held.
            try FileManager.default.createDirectory(atPath: tmp + "/crashed", withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: tmp + "/crashed/upload", contents: Data(count: 100)))
            #expect(FileManager.default.createFile(atPath: tmp + "/crashed.lock", contents: nil))
            #expect(FileManager.default.createFile(atPath: tmp + "/stray-file", contents: Data(count: 10)))
            let running = try BlobStore(dataDirectory: folder)
            let before = try Set(FileManager.default.contentsOfDirectory(atPath: tmp))
            #expect(before.count == 2, "only the running instance's folder and lock: \(before)")
            // Stored outside a publish: nothing to note, nothing a start would remove.
            #expect(running.placedByEndedInstances.isEmpty)

            // The gate every instance's publishes share survives every start.
            try await running.publishing {}
            let reopened = try BlobStore(dataDirectory: folder)
            #expect(FileManager.default.fileExists(atPath: tmp + "/.gate"))
            let after = try Set(FileManager.default.contentsOfDirectory(atPath: tmp))
            #expect(after.isSuperset(of: before), "a live instance's temporary folder was removed")
            #expect(!after.contains("crashed") && !after.contains("crashed.lock") && !after.contains("stray-file"))
            #expect(try await reopened.contains(blob.hash))
            #expect(try await running.contains(blob.hash))
        }
    }

    @Test("Removing unused blobs deletes their files, keeps those still used, and is fine with a missing one")
    func remove() async throws {
        try await withTemporaryFolder("blobs") { folder in
            let blobs = try BlobStore(dataDirectory: folder)
            let unused = try await blobs.write(Chunks(count: 1, size: 10))
            let used = try await blobs.write(Chunks(count: 2, size: 10))
            let removed = try await blobs.removeUnused([unused.hash, used.hash]) { $0 != used.hash }
            #expect(removed == [unused.hash])
            #expect(try await !blobs.contains(unused.hash))
            #expect(try await blobs.contains(used.hash))
            #expect(try await blobs.removeUnused([unused.hash]) { _ in true } == [unused.hash])
        }
    }

    @Test("A deletion waits for the publishes storing blobs, and new publishes wait for it")
    func gate() async throws {
        try await withTemporaryFolder("blobs") { folder in
            let blobs = try BlobStore(dataDirectory: folder)
            let events = Events()
            let (publishStarted, publishStartedNow) = AsyncStream.makeStream(of: Void.self)
            async let publish: Void = blobs.publishing {
                publishStartedNow.yield()
                try await Task.sleep(for: .milliseconds(300))
                events.add("publish ends")
            }
            for await _ in publishStarted { break }
            let kept = try BuildHash(validating: String(repeating: "0", count: 64))
            let deletion = try await blobs.removeUnused([kept]) { _ in false }
            events.add("deletion ends")
            try await publish
            #expect(deletion == [])
            #expect(events.all == ["publish ends", "deletion ends"])
        }
    }
}

/// One chunk of given bytes.
struct Chunks1: AsyncSequence, Sendable {
    let bytes: [UInt8]

    func makeAsyncIterator() -> AsyncStream<ByteBuffer>.Iterator {
        AsyncStream { continuation in
            continuation.yield(ByteBuffer(bytes: bytes))
            continuation.finish()
        }.makeAsyncIterator()
    }
}

/// What happened, in order, across tasks.
final class Events: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ event: String) { list.withLock { $0.append(event) } }
    var all: [String] { list.withLock { $0 } }
}
