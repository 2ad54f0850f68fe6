import CompressNIO
import Foundation
import HeraldCore
import HeraldFormats
import HeraldInflate
import NIOCore
import NIOPosix

/// Unpacks an app's zip into the blob store, file by file, for its GoUpdate repository.
///
/// Each regular file becomes a blob under its SHA-256, with a gzip copy when that is smaller,
/// so an updater can fetch exactly the files that changed. Every path is checked before
/// anything is written; links are refused, since a GoUpdate repository carries files only and
/// a link could point outside the installation folder. The archive's declared sizes are
/// bounded, so a zip bomb is refused before it is unpacked.
public enum BuildFileExtraction {
    /// The most entries one archive may have.
    public static let maximumEntries = 100_000
    /// The most bytes its files may add up to, unpacked.
    public static let maximumUnpackedSize: Int64 = 16 << 30

    /// The files of the zip at `path`, stored in `blobs`; nil when the file is not a zip.
    public static func extract(zipAt path: String, into blobs: BlobStore) async throws -> [BuildFile]? {
        let folder = blobs.scratchPath()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        guard let unpacked = try await NIOThreadPool.singleton.runIfActive({ try unpack(zipAt: path, into: folder) }) else {
            return nil
        }
        var files: [BuildFile] = []
        for file in unpacked {
            let stored = try await blobs.store(fileAt: file.unpacked)
            var gzipBlob: BuildHash?
            if file.gzippedSize < stored.size {
                gzipBlob = try await blobs.store(fileAt: file.gzipped).hash
            }
            unlink(file.unpacked)
            unlink(file.gzipped)
            files.append(
                BuildFile(
                    path: file.path, size: stored.size, md5: stored.md5, blob: stored.hash, gzipBlob: gzipBlob,
                    permissions: file.permissions))
        }
        return files
    }

    private struct UnpackedFile: Sendable {
        let path: String
        let unpacked: String
        let gzipped: String
        let gzippedSize: Int64
        let permissions: UInt16?
    }

    /// Writes each file of the zip or tar.gz at `path`, and its gzip copy, into `folder`; nil
    /// when the file is neither.
    private static func unpack(zipAt path: String, into folder: String) throws -> [UnpackedFile]? {
        let archive: ZipFile
        do {
            archive = try ZipFile(path: path)
        } catch {
            return try unpack(tarGzipAt: path, into: folder)
        }
        return try unpack(zip: archive, into: folder)
    }

    /// A tar.gz: gunzipped into `folder` (within the unpacked-size limit), then read entry by entry.
    private static func unpack(tarGzipAt path: String, into folder: String) throws -> [UnpackedFile]? {
        guard let head = FileHandle(forReadingAtPath: path).flatMap({ try? $0.read(upToCount: 2) }), head == Data([0x1F, 0x8B]) else {
            return nil
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let tar = folder + "/archive.tar"
        // A gzip stream that does not inflate is refused as such; a failure to read or write
        // the files (EIO, a full disk) is the server's, never taken as "not an archive", which
        // would publish an app without its files.
        do {
            try gunzip(path, to: tar, limit: maximumUnpackedSize + (64 << 20))
        } catch where isOutOfSpace(error) {
            throw HeraldError.insufficientStorage
        }
        var files: [UnpackedFile] = []
        var seen: Set<String> = []
        do {
            try TarArchive(path: tar).forEachFile { name, permissions, copy in
                guard files.count < maximumEntries else {
                    throw HeraldError.refusedArchiveEntry("the archive has more than \(maximumEntries) files")
                }
                guard seen.insert(name).inserted else {
                    throw HeraldError.refusedArchiveEntry("the archive has the entry \(quoted(name)) twice")
                }
                let unpacked = "\(folder)/\(files.count)"
                try copy(unpacked)
                files.append(try gzipCopy(of: unpacked, path: name, permissions: permissions))
            }
        } catch is TarArchive.NotATar {
            return nil
        }
        unlink(tar)
        return files
    }

    private static func gzipCopy(of unpacked: String, path: String, permissions: UInt16?) throws -> UnpackedFile {
        let gzipped = unpacked + ".gz"
        try gzip(unpacked, to: gzipped)
        let size = (try FileManager.default.attributesOfItem(atPath: gzipped)[.size] as? NSNumber)?.int64Value ?? Int64.max
        return UnpackedFile(path: path, unpacked: unpacked, gzipped: gzipped, gzippedSize: size, permissions: permissions)
    }

    /// Checks every entry of a zip, then writes each file and its gzip copy into `folder`.
    private static func unpack(zip archive: ZipFile, into folder: String) throws -> [UnpackedFile] {
        let entries = archive.directory.entries
        guard entries.count <= maximumEntries else {
            throw HeraldError.refusedArchiveEntry("the archive has \(entries.count) entries; at most \(maximumEntries) are accepted")
        }
        var total: Int64 = 0
        var seen: Set<String> = []
        for entry in entries {
            let entryPath: String = entry.path
            try BuildFile.validatePath(entry.kind == .directory && entryPath.hasSuffix("/") ? String(entryPath.dropLast()) : entryPath)
            if entry.kind == .symlink {
                throw HeraldError.refusedArchiveEntry("the archive entry \(quoted(entryPath)) is a link; GoUpdate repositories carry files only")
            }
            if entry.kind == .file {
                guard seen.insert(entryPath).inserted else {
                    throw HeraldError.refusedArchiveEntry("the archive has the entry \(quoted(entryPath)) twice")
                }
                // Checked: a crafted size must be a refusal, never a trap.
                guard let size = Int64(exactly: entry.uncompressedSize), case (let sum, false) = total.addingReportingOverflow(size) else {
                    throw HeraldError.invalidArchive("an entry's size is out of range")
                }
                total = sum
            }
        }
        guard total <= maximumUnpackedSize else {
            throw HeraldError.refusedArchiveEntry("the archive unpacks to \(total) bytes; at most \(maximumUnpackedSize) are accepted")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var files: [UnpackedFile] = []
        for (index, entry) in entries.enumerated() where entry.kind == .file {
            let unpacked = "\(folder)/\(index)"
            try extract(entry, of: archive, to: unpacked)
            files.append(try gzipCopy(of: unpacked, path: entry.path, permissions: entry.permissions))
        }
        return files
    }

    /// Writes one zip entry to `target`; ``ZipFile/read(_:_:)`` stops at the size the archive
    /// declares and checks the CRC-32.
    private static func extract(_ entry: ZipDirectory.Entry, of archive: ZipFile, to target: String) throws {
        guard FileManager.default.createFile(atPath: target, contents: nil), let output = FileHandle(forWritingAtPath: target) else {
            throw BlobStoreError(operation: "create", path: target, code: errno)
        }
        defer { try? output.close() }
        try archive.read(entry) { chunk in
            try output.write(contentsOf: chunk.readableBytesView)
            return true
        }
    }

    /// Decompresses the gzip file at `source` into `destination`; refuses more than `limit` bytes.
    private static func gunzip(_ source: String, to destination: String, limit: Int64) throws {
        try streaming(source, to: destination) { input, output in
            try gunzip(input, to: output, limit: limit)
        }
    }

    private static func gunzip(_ input: FileHandle, to output: FileHandle, limit: Int64) throws {
        var inflater = try Inflater(.gzip(), windowSize: 256 * 1024)
        defer { inflater.finish() }
        var written: Int64 = 0
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
            var buffer = ByteBuffer(data: chunk)
            do {
                _ = try inflater.inflate(&buffer) { window in
                    written += Int64(window.readableBytes)
                    guard written <= limit else {
                        throw HeraldError.refusedArchiveEntry("the archive unpacks to more than \(limit) bytes")
                    }
                    try output.write(contentsOf: window.readableBytesView)
                    return true
                }
            } catch let error as InflateError {
                throw HeraldError.invalidArchive("\(error)")
            }
        }
    }

    /// Compresses the file at `source` into a gzip file at `destination`, a window at a time.
    private static func gzip(_ source: String, to destination: String) throws {
        try streaming(source, to: destination, gzip)
    }

    private static func gzip(_ input: FileHandle, to output: FileHandle) throws {
        let compressor = CompressionAlgorithm.gzip().compressor
        compressor.window = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        try compressor.startStream()
        defer { try? compressor.finishStream() }
        while true {
            let chunk = try input.read(upToCount: 1 << 20) ?? Data()
            var buffer = ByteBuffer(data: chunk)
            try buffer.compressStream(with: compressor, flush: chunk.isEmpty ? .finish : .no) { window in
                try output.write(contentsOf: Data(buffer: window))
            }
            if chunk.isEmpty { break }
        }
    }

    /// Opens `source` for reading and a new `destination` for writing, runs `body`, closes both.
    private static func streaming(_ source: String, to destination: String, _ body: (FileHandle, FileHandle) throws -> Void) throws {
        guard let input = FileHandle(forReadingAtPath: source),
            FileManager.default.createFile(atPath: destination, contents: nil),
            let output = FileHandle(forWritingAtPath: destination)
        else {
            throw BlobStoreError(operation: "open", path: source, code: errno)
        }
        defer {
            try? input.close()
            try? output.close()
        }
        try body(input, output)
    }
}
