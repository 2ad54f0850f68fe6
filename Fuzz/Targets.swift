// libFuzzer entry point for the parsers in Sources/HeraldFormats, compiled with them into one
// binary by Fuzz/run; HERALD_FUZZ_TARGET picks the parser. A parser may refuse its input
// (that is what it is for); it must never trap, overflow, hang or read out of bounds.

#if canImport(Glibc)
import Glibc
#endif

private let targets: [String: @Sendable ([UInt8]) -> Void] = [
    "zip": fuzzZip,
    "tar": fuzzTar,
    "header": { FuzzCheck.header(String(decoding: $0, as: UTF8.self)) },
    "readme": { FuzzCheck.readme(String(decoding: $0, as: UTF8.self)) },
    "version": fuzzVersion,
    "range": fuzzRange,
    "glob": fuzzGlob,
    "fields": fuzzFields,
    "etag": fuzzEntityTags,
    "multipart": fuzzMultipart,
    "settings": fuzzSettings,
]

private let selected: @Sendable ([UInt8]) -> Void = {
    guard let name = getenv("HERALD_FUZZ_TARGET").map({ String(cString: $0) }), let target = targets[name] else {
        fatalError("HERALD_FUZZ_TARGET must be one of: \(targets.keys.sorted().joined(separator: ", "))")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected(bytes)
    return 0
}

/// The zip directory, then every entry's local header, as the store reads them.
private func fuzzZip(_ bytes: [UInt8]) {
    let read: ZipDirectory.Reader = { offset, count in
        guard offset <= UInt64(bytes.count) else { return [] }
        let start = Int(offset)
        return Array(bytes[start..<min(bytes.count, start + count)])
    }
    guard let directory = try? ZipDirectory(size: UInt64(bytes.count), read: read) else { return }
    for entry in directory.entries {
        guard let header = try? read(entry.localHeaderOffset, ZipDirectory.localHeaderLength),
            let start = try? directory.dataOffset(of: entry, header: header)
        else { continue }
        precondition(start <= UInt64(bytes.count) && entry.compressedSize <= UInt64(bytes.count) - start)
        var checksum = CRC32()
        checksum.update(bytes[Int(start)..<Int(start + entry.compressedSize)])
        _ = checksum.value
    }
}

/// Every header of a tar stream, with the long names of GNU and pax entries.
private func fuzzTar(_ bytes: [UInt8]) {
    var offset = 0
    while bytes.count - offset >= TarHeader.blockSize {
        let block = Array(bytes[offset..<offset + TarHeader.blockSize])
        if TarHeader.isEnd(block) { return }
        guard let header = try? TarHeader(block: block) else { return }
        precondition(header.size >= 0 && header.paddedSize >= header.size)
        offset += TarHeader.blockSize
        let dataEnd = min(bytes.count, offset + Int(min(header.size, TarHeader.extendedHeaderLimit)))
        _ = header.nextName(from: Array(bytes[offset..<dataEnd]))
        guard header.paddedSize <= Int64(bytes.count - offset) else { return }
        offset += Int(header.paddedSize)
    }
}

/// Two versions from one input, ordered both ways. PHP's order is the reference, and it is not
/// always antisymmetric (`version_compare("1.beta.", "1.beta.")` is -1), so only the answer's
/// range is checked; the tests compare with PHP itself.
private func fuzzVersion(_ bytes: [UInt8]) {
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let lhs = String(decoding: bytes[..<split], as: UTF8.self)
    let rhs = String(decoding: bytes[min(split + 1, bytes.count)...], as: UTF8.self)
    for order in [VersionOrder.compare(lhs, rhs), VersionOrder.compare(rhs, lhs)] {
        precondition((-1...1).contains(order))
    }
    _ = VersionOrder.canonicalize(lhs)
}

/// A `Range` header against file sizes around it: a satisfiable range always lies in the file.
private func fuzzRange(_ bytes: [UInt8]) {
    let header = String(decoding: bytes, as: UTF8.self)
    for size: Int64 in [0, 1, 2, 1000, Int64(bytes.count), Int64.max] {
        if case .satisfiable(let range) = ByteRange.parse(header, size: size) {
            precondition(range.lowerBound >= 0 && range.upperBound < size)
        }
    }
}

/// A display message's URL pattern against a site address, split at the first NUL.
private func fuzzGlob(_ bytes: [UInt8]) {
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let pattern = String(decoding: bytes[..<split], as: UTF8.self)
    let site = String(decoding: bytes[min(split + 1, bytes.count)...], as: UTF8.self)
    _ = SiteGlob.matches(site: site, pattern: pattern)
    precondition(SiteGlob.matches(site: site, pattern: "*"))
}

/// A query string and a form body: every field read comes back whole, and a query never refuses.
private func fuzzFields(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    let fields = FormFields.query(text[...])
    precondition(fields.count <= bytes.count)
    if let form = try? FormFields.form(text[...]) {
        precondition(form.count <= bytes.count)
    }
}

/// An `If-None-Match` list, split at the first NUL from the ETag it is matched against.
private func fuzzEntityTags(_ bytes: [UInt8]) {
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let header = String(decoding: bytes[..<split], as: UTF8.self)
    let etag = String(decoding: bytes[min(split + 1, bytes.count)...], as: UTF8.self)
    _ = EntityTags.list(header, matches: etag)
    precondition(EntityTags.list("*", matches: etag))
}

/// A multipart body (its boundary is the first line), read whole and seven bytes at a time:
/// when both are read, they give the same parts.
private func fuzzMultipart(_ bytes: [UInt8]) {
    let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? 0
    let boundary = String(decoding: bytes[..<min(lineEnd, 70)], as: UTF8.self)
    let body = Array(bytes[min(lineEnd + 1, bytes.count)...])
    func events(chunk: Int) -> [MultipartReader.Event]? {
        var reader = MultipartReader(boundary: boundary)
        var merged: [MultipartReader.Event] = []
        var start = 0
        repeat {
            let end = min(body.count, start + chunk)
            guard let read = try? reader.read(body[start..<end]) else { return nil }
            for event in read {
                if case .body(let more) = event, case .body(let before)? = merged.last {
                    merged[merged.count - 1] = .body(before + more)
                } else {
                    merged.append(event)
                }
            }
            start = end
        } while start < body.count
        return merged
    }
    let whole = events(chunk: max(body.count, 1))
    let pieces = events(chunk: 7)
    if let whole, let pieces {
        precondition(whole == pieces)
    }
    for case .body(let part) in whole ?? [] {
        precondition(part.count <= body.count)
    }
}

private enum FuzzCheck {
    static func header(_ text: String) {
        let header = FileHeader(text: text)
        _ = header["Plugin Name"]
        _ = header["Version"]
    }

    static func readme(_ text: String) {
        let readme = Readme(text: text)
        for section in readme.sections.values {
            _ = ReadmeHTML.render(section)
        }
        _ = readme.upgradeNotice(for: readme.stableTag ?? "1.0")
    }
}

/// A settings file: read, or refused with a line that exists.
private func fuzzSettings(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    do {
        let file = try SettingsFile(parsing: text)
        for setting in file.settings { precondition(setting.line >= 1 && !setting.name.isEmpty) }
    } catch {
        precondition(error.line >= 1 && error.line <= SettingsFile.lines(of: text).count)
    }
}
