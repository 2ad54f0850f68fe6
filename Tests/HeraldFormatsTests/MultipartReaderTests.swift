import HeraldFormats
import Testing

@Suite("multipart/form-data")
struct MultipartReaderTests {
    /// The events of `body`, fed `chunk` bytes at a time, with consecutive body pieces joined.
    private func events(_ body: String, boundary: String = "XyZ", chunk: Int) throws -> [MultipartReader.Event] {
        var reader = MultipartReader(boundary: boundary)
        let bytes = Array(body.utf8)
        var merged: [MultipartReader.Event] = []
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            for event in try reader.read(bytes[start..<min(bytes.count, start + chunk)]) {
                if case .body(let more) = event, case .body(let before)? = merged.last {
                    merged[merged.count - 1] = .body(before + more)
                } else {
                    merged.append(event)
                }
            }
        }
        return merged
    }

    @Test("Parts read whole and a byte at a time are the same, a body that begins with a line break included", arguments: [1, 2, 7, 4096])
    func chunking(_ chunk: Int) throws {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n1.2\r\n--XyZ\r\n\r\n\r\nno headers\r\n--XyZ--\r\n"
        #expect(
            try events(body, chunk: chunk) == [
                .header(name: "Content-Disposition", value: "form-data; name=\"version\""), .body(Array("1.2".utf8)), .partComplete,
                .body(Array("\r\nno headers".utf8)), .partComplete,
            ])
    }

    @Test("A part's headers past 16 KiB are refused, however they arrive", arguments: [1_000, 100_000])
    func headerLimit(_ chunk: Int) {
        let body = "--XyZ\r\nX-Long: " + String(repeating: "a", count: 20_000) + "\r\n\r\nbody\r\n--XyZ--"
        #expect(throws: MultipartReader.Malformed.self) { try events(body, chunk: chunk) }
    }
}
