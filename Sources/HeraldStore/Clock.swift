#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Milliseconds since 1970, the one time unit Herald stores: both databases bind it the same way.
public func currentTimeMillis() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded())
}
