import Foundation
import HeraldCore

/// Checks a zip's directory before ZIPFoundation reads it.
///
/// ZIPFoundation converts the 64-bit sizes and offsets of a zip64 archive without checking
/// them, and a crafted value stops the whole process. Herald reads the end records and every
/// central-directory entry itself first and refuses (`invalid_archive`) any offset or size
/// that points past the file, so only archives whose numbers are sane reach the library.
enum ZipDirectoryCheck {
    /// The largest central directory read; a plugin's has a few thousand entries.
    private static let directoryLimit = 32 << 20
    /// An entry larger than this uncompressed is not a build anyone ships.
    private static let entryLimit: UInt64 = 1 << 40

    static func validate(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw HeraldError.invalidArchive("cannot be opened") }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        guard size >= 22 else { throw HeraldError.invalidArchive("too short to be a zip") }

        // The end of central directory record is in the last 22 + 65535 bytes.
        let tailLength = min(size, 22 + 65_535)
        let tail = try read(handle, at: size - tailLength, count: Int(tailLength))
        guard let endIndex = lastIndex(of: 0x0605_4b50, in: tail, before: tail.count - 22) else {
            throw HeraldError.invalidArchive("no zip directory found")
        }
        var entries = UInt64(tail.le16(endIndex + 10))
        var directorySize = UInt64(tail.le32(endIndex + 12))
        var directoryOffset = UInt64(tail.le32(endIndex + 16))
        let endOffset = size - tailLength + UInt64(endIndex)

        // zip64: a locator just before the record points at the zip64 end record. ZIPFoundation
        // uses that record whenever the locator is there, whatever the 32-bit fields say, so it
        // is read (and checked) then too; the arithmetic is checked, for files of any size.
        let zip64 = entries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF
        let locator = endOffset >= 20 ? try read(handle, at: endOffset - 20, count: 20) : nil
        if let locator, locator.le32(0) == 0x0706_4b50 {
            let recordOffset = locator.le64(8)
            guard size >= 56, recordOffset <= size - 56 else { throw HeraldError.invalidArchive("the zip64 record lies outside the file") }
            let record = try read(handle, at: recordOffset, count: 56)
            guard record.le32(0) == 0x0606_4b50 else { throw HeraldError.invalidArchive("the zip64 record is damaged") }
            entries = record.le64(32)
            directorySize = record.le64(40)
            directoryOffset = record.le64(48)
        } else if zip64 {
            throw HeraldError.invalidArchive("a zip64 locator is missing")
        }
        guard directorySize <= UInt64(directoryLimit), directoryOffset <= size, directorySize <= size - directoryOffset,
            entries <= directorySize / 46 + 1
        else {
            throw HeraldError.invalidArchive("its directory lies outside the file")
        }

        let directory = try read(handle, at: directoryOffset, count: Int(directorySize))
        var position = 0
        for _ in 0..<entries {
            guard position + 46 <= directory.count, directory.le32(position) == 0x0201_4b50 else {
                throw HeraldError.invalidArchive("its directory is damaged")
            }
            var compressed = UInt64(directory.le32(position + 20))
            var uncompressed = UInt64(directory.le32(position + 24))
            let nameLength = Int(directory.le16(position + 28))
            let extraLength = Int(directory.le16(position + 30))
            let commentLength = Int(directory.le16(position + 32))
            var localOffset = UInt64(directory.le32(position + 42))
            let extraStart = position + 46 + nameLength
            let next = extraStart + extraLength + commentLength
            guard next <= directory.count else { throw HeraldError.invalidArchive("its directory is damaged") }

            // The zip64 extra field holds, in order, the values whose 32-bit fields are all ones.
            var field = extraStart
            while field + 4 <= extraStart + extraLength {
                let id = directory.le16(field)
                let length = Int(directory.le16(field + 2))
                let dataEnd = field + 4 + length
                guard dataEnd <= extraStart + extraLength else { throw HeraldError.invalidArchive("an entry's extra field is damaged") }
                if id == 0x0001 {
                    var cursor = field + 4
                    func take() throws -> UInt64 {
                        guard cursor + 8 <= dataEnd else { throw HeraldError.invalidArchive("an entry's zip64 field is short") }
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
                throw HeraldError.invalidArchive("an entry's size or offset lies outside the file")
            }
            position = next
        }
    }

    private static func read(_ handle: FileHandle, at offset: UInt64, count: Int) throws -> [UInt8] {
        try handle.seek(toOffset: offset)
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw HeraldError.invalidArchive("it ends early") }
        return [UInt8](data)
    }

    private static func lastIndex(of signature: UInt32, in bytes: [UInt8], before limit: Int) -> Int? {
        var index = limit
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
