import CompressNIO
import NIOCore

/// zlib's inflate, driven a window at a time: a zip entry's raw deflate, a `.tar.gz`, or a
/// GoUpdate file a client downloads gzipped. Its own module, so the server and the client
/// read compressed bytes from outside with the same loop.
///
/// It stops at the end of the compressed stream and refuses bytes after it (compress-nio's
/// `decompressStream(with:process:)` spins on them for ever), refuses input zlib can make no
/// progress on, and drains the output zlib still holds when the input runs out.
public struct Inflater {
    private let decompressor: any NIODecompressor
    private var window: ByteBuffer

    public init(_ algorithm: CompressionAlgorithm, windowSize: Int = 64 * 1024) throws {
        decompressor = algorithm.decompressor
        window = ByteBufferAllocator().buffer(capacity: windowSize)
        try decompressor.startStream()
    }

    public func finish() {
        try? decompressor.finishStream()
    }

    /// Inflates all of `input`, handing each window of output to `body` until it returns false
    /// (then this returns false too).
    public mutating func inflate(_ input: inout ByteBuffer, _ body: (ByteBuffer) throws -> Bool) throws -> Bool {
        while true {
            var windowFull = false
            do {
                try decompressor.streamInflate(from: &input, to: &window)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                windowFull = true
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                // Nothing more without more input.
            } catch is CompressNIOError {
                // zlib refused the data: a bad header, block or checksum.
                throw InflateError.damaged
            }
            let produced = window.readableBytes > 0
            if produced {
                let wantsMore = try body(window)
                window.clear()
                guard wantsMore else { return false }
            }
            if windowFull {
                guard produced else { throw InflateError.damaged }
                continue
            }
            guard input.readableBytes == 0 else { throw InflateError.trailingData }
            return true
        }
    }
}

/// Why compressed bytes were refused.
public enum InflateError: Error, Equatable, CustomStringConvertible {
    /// zlib can make no progress on them.
    case damaged
    /// Bytes follow the end of the compressed stream.
    case trailingData

    public var description: String {
        switch self {
        case .damaged: "its compressed data is damaged"
        case .trailingData: "data follows the end of its compressed stream"
        }
    }
}
