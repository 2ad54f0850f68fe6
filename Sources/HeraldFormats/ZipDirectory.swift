/// The directory of a zip archive: what Herald knows about every entry before it reads one.
///
/// Herald reads zips with this parser only, for validation and for extraction alike, so no
/// number in a crafted archive reaches code that has not checked it. Every size and offset
/// (32-bit, or 64-bit from a zip64 record or extra field) is checked against the archive's
/// size with arithmetic that cannot overflow; anything that points outside the file, or
/// does not add up, is an ``ArchiveError``.
public struct ZipDirectory: Sendable {
    public struct Entry: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case file
            case directory
            case symlink
        }

        public let path: String
        public let kind: Kind
        /// 0 for stored, 8 for deflate; others are refused when the entry is read.
        public let method: UInt16
        public let isEncrypted: Bool
        public let crc32: UInt32
        public let compressedSize: UInt64
        public let uncompressedSize: UInt64
        public let localHeaderOffset: UInt64
        /// The permission bits (`0o7777`) of an entry made on Unix; nil when the archive
        /// records none (a zip made on Windows, say).
        public let permissions: UInt16?
    }

    /// Reads `count` bytes at `offset` of the archive; fewer only at its end.
    public typealias Reader = (_ offset: UInt64, _ count: Int) throws -> [UInt8]

    /// The largest central directory read; a plugin's has a few thousand entries.
    public static let directoryLimit = 32 << 20
    /// An entry larger than this uncompressed is not a build anyone ships.
    public static let entryLimit: UInt64 = 1 << 40
    /// The fixed part of a local file header.
    public static let localHeaderLength = 30

    public let entries: [Entry]
    public let size: UInt64

    /// Reads the directory of an archive of `size` bytes through `read`.
    public init(size: UInt64, read: Reader) throws {
        self.size = size
        guard size >= 22 else { throw ArchiveError("too short to be a zip") }
        // The end of central directory record is in the last 22 + 65,535 bytes.
        let tailLength = min(size, 22 + 65_535)
        let tail = try Self.exactly(Int(tailLength), at: size - tailLength, read)
        guard let endIndex = Self.lastIndex(of: 0x0605_4b50, in: tail, from: tail.count - 22) else {
            throw ArchiveError("no zip directory found")
        }
        var entryCount = UInt64(tail.le16(endIndex + 10))
        var directorySize = UInt64(tail.le32(endIndex + 12))
        var directoryOffset = UInt64(tail.le32(endIndex + 16))
        let endOffset = size - tailLength + UInt64(endIndex)

        // zip64: a locator just before the end record points at the zip64 end record, which
        // then holds the real counts; the 32-bit fields must say so, or the locator is absent.
        let needsZip64 = entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF
        if endOffset >= 20, case let locator = try Self.exactly(20, at: endOffset - 20, read), locator.le32(0) == 0x0706_4b50 {
            let recordOffset = locator.le64(8)
            guard size >= 56, recordOffset <= size - 56 else { throw ArchiveError("the zip64 record lies outside the file") }
            let record = try Self.exactly(56, at: recordOffset, read)
            guard record.le32(0) == 0x0606_4b50 else { throw ArchiveError("the zip64 record is damaged") }
            entryCount = record.le64(32)
            directorySize = record.le64(40)
            directoryOffset = record.le64(48)
        } else if needsZip64 {
            throw ArchiveError("a zip64 locator is missing")
        }
        guard directorySize <= UInt64(Self.directoryLimit), directoryOffset <= size, directorySize <= size - directoryOffset,
            entryCount <= directorySize / 46
        else {
            throw ArchiveError("its directory lies outside the file")
        }
        let directory = try Self.exactly(Int(directorySize), at: directoryOffset, read)
        var entries: [Entry] = []
        entries.reserveCapacity(Int(entryCount))
        var position = 0
        for _ in 0..<entryCount {
            let (entry, next) = try Self.entry(in: directory, at: position, archiveSize: size)
            entries.append(entry)
            position = next
        }
        self.entries = entries
    }

    /// Where `entry`'s compressed bytes start, from its local header (`header` holds at least
    /// ``localHeaderLength`` bytes read at the entry's offset); checked to lie within the file.
    public func dataOffset(of entry: Entry, header: [UInt8]) throws -> UInt64 {
        guard header.count >= Self.localHeaderLength, header.le32(0) == 0x0403_4b50 else {
            throw ArchiveError("the local header of \(entry.path) is damaged")
        }
        let variable = UInt64(Self.localHeaderLength) + UInt64(header.le16(26)) + UInt64(header.le16(28))
        let (start, overflow) = entry.localHeaderOffset.addingReportingOverflow(variable)
        guard !overflow, start <= size, entry.compressedSize <= size - start else {
            throw ArchiveError("the data of \(entry.path) lies outside the file")
        }
        return start
    }

    private static func entry(in directory: [UInt8], at position: Int, archiveSize size: UInt64) throws -> (Entry, next: Int) {
        guard directory.count - position >= 46, directory.le32(position) == 0x0201_4b50 else {
            throw ArchiveError("its directory is damaged")
        }
        let madeBy = directory.le16(position + 4)
        let flags = directory.le16(position + 8)
        let method = directory.le16(position + 10)
        let crc = directory.le32(position + 16)
        var compressed = UInt64(directory.le32(position + 20))
        var uncompressed = UInt64(directory.le32(position + 24))
        let nameLength = Int(directory.le16(position + 28))
        let extraLength = Int(directory.le16(position + 30))
        let commentLength = Int(directory.le16(position + 32))
        let attributes = directory.le32(position + 38)
        var localOffset = UInt64(directory.le32(position + 42))
        let nameStart = position + 46
        let extraStart = nameStart + nameLength
        let next = extraStart + extraLength + commentLength
        guard next <= directory.count else { throw ArchiveError("its directory is damaged") }

        // The zip64 extra field holds, in order, the values whose 32-bit fields are all ones.
        var field = extraStart
        while extraStart + extraLength - field >= 4 {
            let id = directory.le16(field)
            let dataEnd = field + 4 + Int(directory.le16(field + 2))
            guard dataEnd <= extraStart + extraLength else { throw ArchiveError("an entry's extra field is damaged") }
            if id == 0x0001 {
                var cursor = field + 4
                func take() throws -> UInt64 {
                    guard dataEnd - cursor >= 8 else { throw ArchiveError("an entry's zip64 field is short") }
                    defer { cursor += 8 }
                    return directory.le64(cursor)
                }
                if uncompressed == 0xFFFF_FFFF { uncompressed = try take() }
                if compressed == 0xFFFF_FFFF { compressed = try take() }
                if localOffset == 0xFFFF_FFFF { localOffset = try take() }
            }
            field = dataEnd
        }
        guard localOffset < size, compressed <= size - localOffset, uncompressed <= entryLimit else {
            throw ArchiveError("an entry's size or offset lies outside the file")
        }
        let path = String(decoding: directory[nameStart..<extraStart], as: UTF8.self)
        let madeOnUnix = madeBy >> 8 == 3
        let unixMode = madeOnUnix ? (attributes >> 16) & 0o170000 : 0
        let kind: Entry.Kind =
            unixMode == 0o120000 ? .symlink : (path.hasSuffix("/") || unixMode == 0o040000 ? .directory : .file)
        let entry = Entry(
            path: path, kind: kind, method: method, isEncrypted: flags & 1 == 1, crc32: crc, compressedSize: compressed,
            uncompressedSize: uncompressed, localHeaderOffset: localOffset,
            permissions: madeOnUnix && attributes >> 16 != 0 ? UInt16((attributes >> 16) & 0o7777) : nil)
        return (entry, next)
    }

    private static func exactly(_ count: Int, at offset: UInt64, _ read: Reader) throws -> [UInt8] {
        let bytes = try read(offset, count)
        guard bytes.count == count else { throw ArchiveError("it ends early") }
        return bytes
    }

    private static func lastIndex(of signature: UInt32, in bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index >= 0 {
            if bytes.le32(index) == signature { return index }
            index -= 1
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    fileprivate func le16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    fileprivate func le32(_ at: Int) -> UInt32 { UInt32(le16(at)) | UInt32(le16(at + 2)) << 16 }
    fileprivate func le64(_ at: Int) -> UInt64 { UInt64(le32(at)) | UInt64(le32(at + 4)) << 32 }
}
