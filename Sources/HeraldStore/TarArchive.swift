import Foundation
import HeraldCore

/// A reader of tar archives (POSIX ustar, with pax and GNU long names), for apps shipped as
/// `.tar.gz`: each regular file is handed over with its path, its bytes copied to a file.
///
/// Links, devices and other special entries are refused: a GoUpdate repository carries files
/// only, and a link could point outside the installation folder.
struct TarArchive {
    struct NotATar: Error {}

    private static let block = 512

    let path: String

    /// Calls `body` with each regular file's path (leading `./` removed) and a function that
    /// copies its bytes to a file. Throws ``NotATar`` when the first header is not a tar header.
    func forEachFile(_ body: (String, Int64, (String) throws -> Void) throws -> Void) throws {
        guard let input = FileHandle(forReadingAtPath: path) else { throw NotATar() }
        defer { try? input.close() }
        var longName: String?
        var first = true
        while true {
            guard let header = try input.read(upToCount: Self.block), header.count == Self.block else {
                if first { throw NotATar() }
                throw HeraldError.invalidArchive("the tar archive ends inside a header")
            }
            if header.allSatisfy({ $0 == 0 }) { return }
            let bytes = [UInt8](header)
            guard Self.checksumMatches(bytes) else {
                if first { throw NotATar() }
                throw HeraldError.invalidArchive("a tar header's checksum is wrong")
            }
            first = false
            guard let size = Self.octal(bytes[124..<136]) else { throw HeraldError.invalidArchive("a tar header's size is unreadable") }
            let padded = (size + Int64(Self.block) - 1) / Int64(Self.block) * Int64(Self.block)
            var name = longName ?? Self.name(bytes)
            longName = nil
            switch bytes[156] {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                while name.hasPrefix("./") { name.removeFirst(2) }
                try BuildFile.validatePath(name)
                var copied = false
                try body(name, size) { target in
                    try Self.copy(size, from: input, to: target)
                    copied = true
                }
                if !copied { try Self.skip(size, in: input) }
                try Self.skip(padded - size, in: input)
            case UInt8(ascii: "5"):
                try Self.skip(padded, in: input)
            case UInt8(ascii: "x"), UInt8(ascii: "L"):
                guard size <= 1 << 20, let data = try input.read(upToCount: Int(size)), data.count == Int(size) else {
                    throw HeraldError.invalidArchive("a tar extended header is unreadable")
                }
                try Self.skip(padded - size, in: input)
                longName = bytes[156] == UInt8(ascii: "L") ? Self.cString(data) : Self.paxPath(data)
            case UInt8(ascii: "g"):
                try Self.skip(padded, in: input)
            default:
                throw HeraldError.refusedArchiveEntry(
                    "the archive entry \(quoted(name)) is a link or a special file; GoUpdate repositories carry files only")
            }
        }
    }

    private static func checksumMatches(_ header: [UInt8]) -> Bool {
        guard let stored = octal(header[148..<156]) else { return false }
        var sum: Int64 = 0
        for (index, byte) in header.enumerated() {
            sum += (148..<156).contains(index) ? 32 : Int64(byte)
        }
        return sum == stored
    }

    /// An octal number field, NUL- or space-terminated.
    private static func octal(_ field: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        var digits = 0
        for byte in field {
            if byte == 0 || byte == UInt8(ascii: " ") {
                if digits > 0 { break }
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte) else { return nil }
            value = value * 8 + Int64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    private static func name(_ header: [UInt8]) -> String {
        let name = cString(Data(header[0..<100]))
        let prefix = cString(Data(header[345..<500]))
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private static func cString(_ data: Data) -> String {
        String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The `path` record of a pax extended header (`LENGTH path=VALUE\n` records).
    private static func paxPath(_ data: Data) -> String? {
        for record in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let field = record[record.index(after: space)...]
            if field.hasPrefix("path=") { return String(field.dropFirst(5)) }
        }
        return nil
    }

    private static func copy(_ size: Int64, from input: FileHandle, to target: String) throws {
        guard FileManager.default.createFile(atPath: target, contents: nil), let output = FileHandle(forWritingAtPath: target) else {
            throw HeraldError.invalidArchive("cannot unpack a tar entry")
        }
        defer { try? output.close() }
        var left = size
        while left > 0 {
            guard let chunk = try input.read(upToCount: Int(min(left, 1 << 20))), !chunk.isEmpty else {
                throw HeraldError.invalidArchive("the tar archive ends inside a file")
            }
            try output.write(contentsOf: chunk)
            left -= Int64(chunk.count)
        }
    }

    private static func skip(_ size: Int64, in input: FileHandle) throws {
        guard size > 0 else { return }
        let offset = try input.offset()
        try input.seek(toOffset: offset + UInt64(size))
    }
}
