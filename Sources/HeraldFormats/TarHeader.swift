/// One 512-byte header of a tar archive (POSIX ustar, with pax and GNU long names).
public struct TarHeader: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
        /// A GNU long name (`L`): the next entry's path is this entry's data.
        case longName
        /// A pax extended header (`x`): the next entry's path may be in this entry's data.
        case extendedHeader
        /// A pax global header (`g`): skipped.
        case globalHeader
        /// A link, a device or another special entry, by its type flag.
        case special(UInt8)
    }

    public static let blockSize = 512
    /// The largest long name or extended header read.
    public static let extendedHeaderLimit: Int64 = 1 << 20

    /// The path the header gives (ustar prefix and name joined).
    public let name: String
    public let size: Int64
    public let kind: Kind
    /// The permission bits (`0o7777`); nil when the mode field is unreadable.
    public let permissions: UInt16?

    /// Whether `block` is the all-zero block that ends an archive.
    public static func isEnd(_ block: [UInt8]) -> Bool {
        block.allSatisfy { $0 == 0 }
    }

    /// Reads `block`, which must be ``blockSize`` bytes with a correct checksum.
    public init(block: [UInt8]) throws {
        guard block.count == Self.blockSize else { throw ArchiveError("the tar archive ends inside a header") }
        guard let stored = Self.octal(block[148..<156]) else { throw ArchiveError("a tar header's checksum is wrong") }
        var sum: Int64 = 0
        for (index, byte) in block.enumerated() {
            sum += (148..<156).contains(index) ? 32 : Int64(byte)
        }
        guard sum == stored else { throw ArchiveError("a tar header's checksum is wrong") }
        guard let size = Self.octal(block[124..<136]) else { throw ArchiveError("a tar header's size is unreadable") }
        self.size = size
        permissions = Self.octal(block[100..<108]).map { UInt16($0 & 0o7777) }
        let name = Self.cString(block[0..<100])
        let prefix = Self.cString(block[345..<500])
        self.name = prefix.isEmpty ? name : prefix + "/" + name
        switch block[156] {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): kind = .file
        case UInt8(ascii: "5"): kind = .directory
        case UInt8(ascii: "L"): kind = .longName
        case UInt8(ascii: "x"): kind = .extendedHeader
        case UInt8(ascii: "g"): kind = .globalHeader
        case let flag: kind = .special(flag)
        }
    }

    /// The size of the entry's data rounded up to whole blocks, as stored.
    public var paddedSize: Int64 {
        (size + Int64(Self.blockSize) - 1) / Int64(Self.blockSize) * Int64(Self.blockSize)
    }

    /// The next entry's path carried by this header's `data`: the whole of a GNU long name,
    /// the `path` record of a pax extended header (`LENGTH path=VALUE\n` records); nil otherwise.
    public func nextName(from data: [UInt8]) -> String? {
        switch kind {
        case .longName:
            return Self.cString(data[...])
        case .extendedHeader:
            for record in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                guard let space = record.firstIndex(of: " ") else { continue }
                let field = record[record.index(after: space)...]
                if field.hasPrefix("path=") { return String(field.dropFirst(5)) }
            }
            return nil
        default:
            return nil
        }
    }

    /// An octal number field, NUL- or space-terminated; at most 12 digits, so it cannot overflow.
    private static func octal(_ field: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        var digits = 0
        for byte in field {
            if byte == 0 || byte == UInt8(ascii: " ") {
                if digits > 0 { break }
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte), digits < 12 else { return nil }
            value = value * 8 + Int64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    private static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
