import Foundation
import HeraldCore

/// Points in time as vendors type them and answers show them.
public enum Moment {
    /// Milliseconds since 1970 from `YYYY-MM-DD` (its start, or with `endOfDay` the start of
    /// the next day, so the day itself is included), an ISO 8601 time such as
    /// `2026-12-01T09:30:00Z`, or seconds since 1970.
    public static func parse(_ text: String, field: String, endOfDay: Bool = false) throws -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, trimmed.count <= 12, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }), let seconds = Int64(trimmed) {
            return seconds * 1000
        }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        if trimmed.count == 10, let date = day.date(from: trimmed) {
            return Int64((date.timeIntervalSince1970 + (endOfDay ? 86_400 : 0)) * 1000)
        }
        let full = ISO8601DateFormatter()
        full.formatOptions = [.withInternetDateTime]
        if let date = full.date(from: trimmed) { return Int64(date.timeIntervalSince1970 * 1000) }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: trimmed) { return Int64(date.timeIntervalSince1970 * 1000) }
        throw HeraldError.invalidInput("\(field) \(quoted(text)) is not a time: YYYY-MM-DD, an ISO 8601 time such as 2026-12-01T09:30:00Z, or seconds since 1970")
    }

    /// ISO 8601 in UTC, e.g. `2026-12-01T09:30:00Z`.
    public static func iso(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000))
    }

    /// `YYYY-MM-DD` of a day counted since 1970.
    public static func day(_ daysSince1970: Int64) -> String {
        String(iso(daysSince1970 * 86_400_000).prefix(10))
    }
}
