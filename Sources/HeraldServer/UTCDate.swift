#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Times written out in UTC, in the forms HTTP and WordPress clients read.
enum UTCDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The `Date` header's IMF-fixdate (RFC 9110 §5.6.7): `Mon, 23 Nov 2026 12:28:32 GMT`.
    static func http(_ seconds: Int) -> String {
        let parts = utc(seconds)
        return "\(weekdays[Int(parts.tm_wday)]), \(twoDigits(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(clock(parts)) GMT"
    }

    /// WordPress's `Y-m-d H:i:s`, as plugin-update-checker's `last_updated`: `2026-11-23 12:28:32`.
    static func wordpress(_ seconds: Int) -> String {
        let parts = utc(seconds)
        let year = String(parts.tm_year + 1900)
        return "\(String(repeating: "0", count: max(0, 4 - year.count)))\(year)-\(twoDigits(parts.tm_mon + 1))-\(twoDigits(parts.tm_mday)) \(clock(parts))"
    }

    /// Now, in seconds since 1970.
    static func nowSeconds() -> Int { Int(time(nil)) }

    private static func utc(_ seconds: Int) -> tm {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return parts
    }

    private static func clock(_ parts: tm) -> String {
        "\(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec))"
    }

    private static func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
