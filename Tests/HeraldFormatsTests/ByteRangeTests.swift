import HeraldFormats
import Testing

@Suite("Range headers")
struct ByteRangeTests {
    @Test("A single byte range, its suffix and open forms; several ranges ignored; an empty file has no bytes to give")
    func ranges() {
        #expect(ByteRange.parse("bytes=0-99", size: 1000) == .satisfiable(0...99))
        #expect(ByteRange.parse("bytes=-100", size: 1000) == .satisfiable(900...999))
        #expect(ByteRange.parse("bytes=900-", size: 1000) == .satisfiable(900...999))
        #expect(ByteRange.parse("bytes=990-2000", size: 1000) == .satisfiable(990...999))
        #expect(ByteRange.parse("bytes=1000-", size: 1000) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=0-1,5-6", size: 1000) == .ignored)
        #expect(ByteRange.parse("bytes=٣-٤", size: 1000) == .ignored)
        // Found by Fuzz/run range: the last bytes of an empty file built the range 0...-1 and trapped.
        #expect(ByteRange.parse("bytes=-5", size: 0) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=0-", size: 0) == .unsatisfiable)
    }
}
