/// Why a document from outside could not be read, in words for the vendor who wrote it.
public struct DocumentError: Error, Sendable, Equatable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }
}
