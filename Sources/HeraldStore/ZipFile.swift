import CompressNIO
import Foundation
import HeraldCore
import HeraldFormats
import HeraldInflate
import NIOCore

/// A zip archive on disk, read through ``ZipDirectory``: the one zip reader, used to validate
/// an upload and to read or unpack its entries, so no number in the archive is used unchecked.
///
/// Stored and deflated entries are read; a deflate stream is cut off at the size the directory
/// declares (a zip bomb holds far more), and an entry read to its end must match its CRC-32.
final class ZipFile {
    let directory: ZipDirectory
    private let handle: FileHandle

    /// Opens the zip at `path`; `invalid_archive` with the reason when it is not a sane zip.
    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw HeraldError.invalidArchive("cannot be opened") }
        do {
            let size = try handle.seekToEnd()
            directory = try ZipDirectory(size: size) { offset, count in
                try handle.seek(toOffset: offset)
                return [UInt8](try handle.read(upToCount: count) ?? Data())
            }
        } catch {
            try? handle.close()
            throw (error as? ArchiveError).map { HeraldError.invalidArchive($0.reason) } ?? HeraldError.invalidArchive("cannot be read")
        }
        self.handle = handle
    }

    deinit {
        try? handle.close()
    }

    var files: [ZipDirectory.Entry] { directory.entries.filter { $0.kind == .file } }

    /// Hands `body` the uncompressed bytes of `entry`, a chunk at a time, until it returns false.
    func read(_ entry: ZipDirectory.Entry, _ body: (ByteBuffer) throws -> Bool) throws {
        guard !entry.isEncrypted else { throw HeraldError.invalidArchive("the entry \(quoted(entry.path)) is encrypted") }
        guard entry.method == 0 || entry.method == 8 else {
            throw HeraldError.invalidArchive("the entry \(quoted(entry.path)) uses compression method \(entry.method); only stored and deflate are read")
        }
        let start: UInt64
        do {
            try handle.seek(toOffset: entry.localHeaderOffset)
            start = try directory.dataOffset(of: entry, header: [UInt8](try handle.read(upToCount: ZipDirectory.localHeaderLength) ?? Data()))
            try handle.seek(toOffset: start)
        } catch let error as ArchiveError {
            throw HeraldError.invalidArchive(error.reason)
        }
        var produced: UInt64 = 0
        var checksum = CRC32()
        func deliver(_ chunk: ByteBuffer) throws -> Bool {
            produced += UInt64(chunk.readableBytes)
            guard produced <= entry.uncompressedSize else {
                throw HeraldError.refusedArchiveEntry(
                    "the archive entry \(quoted(entry.path)) unpacks to more than the \(entry.uncompressedSize) bytes it declares")
            }
            checksum.update(chunk.readableBytesView)
            return try body(chunk)
        }
        var inflater = entry.method == 8 ? try Inflater(.deflate()) : nil
        defer { inflater?.finish() }
        var left = entry.compressedSize
        do {
            while left > 0 {
                guard let data = try handle.read(upToCount: Int(min(left, 64 * 1024))), !data.isEmpty else {
                    throw HeraldError.invalidArchive("the archive ends inside \(quoted(entry.path))")
                }
                left -= UInt64(data.count)
                var buffer = ByteBuffer(data: data)
                if inflater != nil {
                    guard try inflater!.inflate(&buffer, deliver) else { return }
                } else if try !deliver(buffer) {
                    return
                }
            }
        } catch let error as HeraldError {
            throw error
        } catch let error as InflateError {
            throw HeraldError.invalidArchive("the entry \(quoted(entry.path)) cannot be unpacked: \(error)")
        } catch {
            if isOutOfSpace(error) { throw HeraldError.insufficientStorage }
            throw HeraldError.invalidArchive("the entry \(quoted(entry.path)) cannot be unpacked")
        }
        guard produced == entry.uncompressedSize, checksum.value == entry.crc32 else {
            throw HeraldError.invalidArchive("the entry \(quoted(entry.path)) is corrupt: its size or CRC-32 differs from the archive's")
        }
    }

    /// The first `limit` bytes of `entry`, as text.
    func text(of entry: ZipDirectory.Entry, limit: Int) throws -> String {
        var bytes: [UInt8] = []
        try read(entry) { chunk in
            bytes.append(contentsOf: chunk.readableBytesView.prefix(limit - bytes.count))
            return bytes.count < limit
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
