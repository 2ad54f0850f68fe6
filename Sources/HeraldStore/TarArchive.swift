import Foundation
import HeraldCore
import HeraldFormats

/// A reader of tar archives (POSIX ustar, with pax and GNU long names), for apps shipped as
/// `.tar.gz`: each regular file is handed over with its path, its bytes copied to a file.
///
/// Links, devices and other special entries are refused: a GoUpdate repository carries files
/// only, and a link could point outside the installation folder.
struct TarArchive {
    struct NotATar: Error {}

    let path: String

    /// Calls `body` with each regular file's path (leading `./` removed), its permission bits
    /// and a function that copies its bytes to a file. Throws ``NotATar`` when the first
    /// header is not a tar header.
    func forEachFile(_ body: (String, UInt16?, (String) throws -> Void) throws -> Void) throws {
        guard let input = FileHandle(forReadingAtPath: path) else { throw NotATar() }
        defer { try? input.close() }
        var longName: String?
        var first = true
        while true {
            let block = [UInt8](try input.read(upToCount: TarHeader.blockSize) ?? Data())
            if block.count == TarHeader.blockSize, TarHeader.isEnd(block) { return }
            let header: TarHeader
            do {
                header = try TarHeader(block: block)
            } catch let error as ArchiveError {
                if first { throw NotATar() }
                throw HeraldError.invalidArchive(error.reason)
            }
            first = false
            var name = longName ?? header.name
            longName = nil
            switch header.kind {
            case .file:
                while name.hasPrefix("./") { name.removeFirst(2) }
                try BuildFile.validatePath(name)
                var copied = false
                try body(name, header.permissions) { target in
                    try Self.copy(header.size, from: input, to: target)
                    copied = true
                }
                if !copied { try Self.skip(header.size, in: input) }
                try Self.skip(header.paddedSize - header.size, in: input)
            case .directory, .globalHeader:
                try Self.skip(header.paddedSize, in: input)
            case .longName, .extendedHeader:
                guard header.size <= TarHeader.extendedHeaderLimit, let data = try input.read(upToCount: Int(header.size)),
                    data.count == Int(header.size)
                else {
                    throw HeraldError.invalidArchive("a tar extended header is unreadable")
                }
                try Self.skip(header.paddedSize - header.size, in: input)
                longName = header.nextName(from: [UInt8](data))
            case .special:
                throw HeraldError.refusedArchiveEntry(
                    "the archive entry \(quoted(name)) is a link or a special file; GoUpdate repositories carry files only")
            }
        }
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
