import HeraldCore
import NIOCore

/// JSON written straight into bytes, for the answers sites ask for thousands of times a
/// second, where a general encoder costs more than the decision itself.
///
/// The caller writes keys in sorted order, so the bytes are those `JSONEncoder` writes with
/// `.sortedKeys` and `.withoutEscapingSlashes`: the same answer is the same bytes.
struct JSONWriter {
    private(set) var buffer: ByteBuffer

    init(capacity: Int = 1024) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    mutating func raw(_ text: StaticString) {
        buffer.writeStaticString(text)
    }

    mutating func raw(_ bytes: ByteBuffer) {
        var bytes = bytes
        buffer.writeBuffer(&bytes)
    }

    /// `"name":`, after a comma unless `first`, in one write: answers write a dozen keys each.
    mutating func key(_ name: StaticString, first: Bool = false) {
        let count = name.utf8CodeUnitCount
        let punctuation = first ? 3 : 4
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count + punctuation) { out in
            var at = 0
            if !first {
                out[0] = UInt8(ascii: ",")
                at = 1
            }
            out[at] = UInt8(ascii: "\"")
            UnsafeMutableRawBufferPointer(rebasing: out[(at + 1)...]).copyMemory(from: UnsafeRawBufferPointer(start: name.utf8Start, count: count))
            out[at + 1 + count] = UInt8(ascii: "\"")
            out[at + 2 + count] = UInt8(ascii: ":")
            return count + punctuation
        }
    }

    mutating func integer(_ value: Int64) {
        buffer.writeString(String(value))
    }

    mutating func bool(_ value: Bool) {
        buffer.writeStaticString(value ? "true" : "false")
    }

    /// A JSON string, or `null` for nil: quotes, backslashes and control characters escaped.
    mutating func string(_ value: String?) {
        guard let value else {
            buffer.writeStaticString("null")
            return
        }
        // Most strings (ids, versions, URLs) need no escape: written in one go, quotes included.
        let written = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: Self.needsEscape) else { return false }
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count + 2) { out in
                out[0] = UInt8(ascii: "\"")
                UnsafeMutableRawBufferPointer(rebasing: out[1...]).copyMemory(from: UnsafeRawBufferPointer(bytes))
                out[bytes.count + 1] = UInt8(ascii: "\"")
                return bytes.count + 2
            }
            return true
        }
        if written == true { return }
        buffer.writeInteger(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            case 0x09: buffer.writeStaticString("\\t")
            case 0x08: buffer.writeStaticString("\\b")
            case 0x0C: buffer.writeStaticString("\\f")
            case 0..<0x20:
                buffer.writeStaticString("\\u00")
                buffer.writeInteger(Self.hexDigit(byte >> 4))
                buffer.writeInteger(Self.hexDigit(byte & 0x0F))
            default: buffer.writeInteger(byte)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// An answer's `messages`: `[{"code", "message", "type"}, ...]`.
    mutating func notices(_ notices: [Notice]) {
        buffer.writeInteger(UInt8(ascii: "["))
        for (index, notice) in notices.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeStaticString("{\"code\":")
            string(notice.code)
            key("message")
            string(notice.message)
            key("type")
            string(notice.level.rawValue)
            buffer.writeInteger(UInt8(ascii: "}"))
        }
        buffer.writeInteger(UInt8(ascii: "]"))
    }
}
