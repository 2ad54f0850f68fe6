/// Orders version strings exactly as PHP's `version_compare()` does.
///
/// WordPress decides whether a site needs an update with `version_compare()`, so Herald must
/// agree with it on every pair, including the odd ones: `1.0` < `1.0.0`, `1.0` > `1.0rc1`,
/// `1.` < `1`, parts that overflow a C `long`, and unknown words that sort below `dev`.
/// The algorithm follows PHP's `ext/standard/versioning.c` step by step on bytes: first
/// canonicalise (`-`, `_`, `+` and other non-alphanumerics become `.`, a `.` goes between a
/// digit and a non-digit), then compare part by part: numbers as numbers, words by their
/// special form (`dev` < `alpha` = `a` < `beta` = `b` < `RC` = `rc` < `#` < `pl` = `p`, matched
/// as prefixes; any other word lowest), a number against a word as `#` against that word.
public enum VersionOrder {
    /// -1, 0 or 1 as `version_compare(lhs, rhs)` answers in PHP.
    public static func compare(_ lhs: String, _ rhs: String) -> Int {
        if let order = compareDotted(lhs, rhs) { return order }
        return compare(Array(lhs.utf8), Array(rhs.utf8))
    }

    /// The answer for the versions nearly every site sends, numbers joined by single dots
    /// (`6.4.2`), read in place: PHP compares such parts as numbers, and the longer version
    /// is the greater when one runs out. Nil for anything else, or a part too long for a long.
    private static func compareDotted(_ lhs: String, _ rhs: String) -> Int? {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            guard let (a, leftEnded) = nextNumber(&left), let (b, rightEnded) = nextNumber(&right) else { return nil }
            if a != b { return a < b ? -1 : 1 }
            switch (leftEnded, rightEnded) {
            case (true, true): return 0
            case (true, false): return (validRest(&right)) ? -1 : nil
            case (false, true): return (validRest(&left)) ? 1 : nil
            case (false, false): continue
            }
        }
    }

    /// The next part of a dotted version, and whether the version ends after it; nil unless
    /// the part is 1 to 18 digits followed by a dot or the end.
    private static func nextNumber(_ bytes: inout String.UTF8View.Iterator) -> (Int64, Bool)? {
        var value: Int64 = 0
        var digits = 0
        while let byte = bytes.next() {
            if byte == UInt8(ascii: ".") { return digits > 0 ? (value, false) : nil }
            guard isDigit(byte), digits < 18 else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? (value, true) : nil
    }

    /// Whether what is left is still dotted numbers, so that the longer version is the greater.
    private static func validRest(_ bytes: inout String.UTF8View.Iterator) -> Bool {
        while true {
            guard let (_, ended) = nextNumber(&bytes) else { return false }
            if ended { return true }
        }
    }

    /// The canonical form PHP compares, e.g. `1.0-RC1` becomes `1.0.RC.1`.
    public static func canonicalize(_ version: String) -> String {
        String(decoding: canonicalize(Array(version.utf8)), as: UTF8.self)
    }

    /// The byte a number part is compared as against a word part: PHP's `#N#`.
    private static let numberForm: [UInt8] = Array("#N#".utf8)

    private static func compare(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
        if lhs.isEmpty || rhs.isEmpty {
            if lhs.isEmpty && rhs.isEmpty { return 0 }
            return lhs.isEmpty ? -1 : 1
        }
        // Each buffer ends in a NUL, as in C: the parts are cut at the dots in place.
        var left = (lhs.first == UInt8(ascii: "#") ? lhs : canonicalize(lhs)) + [0]
        var right = (rhs.first == UInt8(ascii: "#") ? rhs : canonicalize(rhs)) + [0]
        var p1 = 0
        var p2 = 0
        var n1: Int? = 0
        var n2: Int? = 0
        var result = 0
        while left[p1] != 0, right[p2] != 0, n1 != nil, n2 != nil {
            n1 = cutAtDot(&left, from: p1)
            n2 = cutAtDot(&right, from: p2)
            let digit1 = isDigit(left[p1])
            let digit2 = isDigit(right[p2])
            if digit1 && digit2 {
                result = sign(strtol(left, at: p1), strtol(right, at: p2))
            } else if !digit1 && !digit2 {
                result = compareSpecialForms(cString(left, at: p1), cString(right, at: p2))
            } else if digit1 {
                result = compareSpecialForms(numberForm, cString(right, at: p2))
            } else {
                result = compareSpecialForms(cString(left, at: p1), numberForm)
            }
            if result != 0 { break }
            if let n1 { p1 = n1 + 1 }
            if let n2 { p2 = n2 + 1 }
        }
        guard result == 0 else { return result }
        if n1 != nil {
            return isDigit(left[p1]) ? 1 : compare(cString(left, at: p1), numberForm)
        }
        if n2 != nil {
            return isDigit(right[p2]) ? -1 : compare(numberForm, cString(right, at: p2))
        }
        return 0
    }

    /// PHP's `php_canonicalize_version`: the first byte is kept as it is; after it, `-`, `_`
    /// and `+` become one `.`, a `.` is put where a digit meets a non-digit, and any other
    /// non-alphanumeric byte becomes a `.` (never two dots in a row).
    static func canonicalize(_ version: [UInt8]) -> [UInt8] {
        guard let first = version.first else { return [] }
        let dot = UInt8(ascii: ".")
        var out: [UInt8] = [first]
        out.reserveCapacity(version.count * 2)
        var previous = first
        for byte in version.dropFirst() {
            let isSeparator = byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "+")
            if isSeparator {
                if out.last != dot { out.append(dot) }
            } else if (isNonDigit(previous) && isDigit(byte)) || (isDigit(previous) && isNonDigit(byte)) {
                if out.last != dot { out.append(dot) }
                out.append(byte)
            } else if !isAlphanumeric(byte) {
                if out.last != dot { out.append(dot) }
            } else {
                out.append(byte)
            }
            previous = byte
        }
        return out
    }

    /// PHP's `isndig`: neither a digit nor a dot.
    private static func isNonDigit(_ byte: UInt8) -> Bool {
        !isDigit(byte) && byte != UInt8(ascii: ".")
    }

    /// `strchr(p, '.')` followed by `*n = '\0'`: ends the part at the next dot, if any.
    private static func cutAtDot(_ buffer: inout [UInt8], from start: Int) -> Int? {
        var index = start
        while buffer[index] != 0 {
            if buffer[index] == UInt8(ascii: ".") {
                buffer[index] = 0
                return index
            }
            index += 1
        }
        return nil
    }

    /// The NUL-terminated string starting at `start`, without its NUL.
    private static func cString(_ buffer: [UInt8], at start: Int) -> [UInt8] {
        var end = start
        while buffer[end] != 0 { end += 1 }
        return Array(buffer[start..<end])
    }

    /// `strtol(p, NULL, 10)` for a part that starts with a digit: leading digits, saturating
    /// at `LONG_MAX` as glibc does.
    private static func strtol(_ buffer: [UInt8], at start: Int) -> Int {
        var value = 0
        var index = start
        var overflowed = false
        while isDigit(buffer[index]) {
            if !overflowed {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(buffer[index] - UInt8(ascii: "0")))
                if o1 || o2 { overflowed = true } else { value = sum }
            }
            index += 1
        }
        return overflowed ? Int.max : value
    }

    private static func sign(_ lhs: Int, _ rhs: Int) -> Int {
        lhs == rhs ? 0 : (lhs < rhs ? -1 : 1)
    }

    /// The special forms in PHP's order of lookup; a part matches a form it starts with.
    private static let specialForms: [(form: [UInt8], rank: Int)] = [
        ("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3), ("#", 4), ("pl", 5), ("p", 5),
    ].map { (Array($0.0.utf8), $0.1) }

    private static func rank(_ part: [UInt8]) -> Int {
        for special in specialForms where part.starts(with: special.form) {
            return special.rank
        }
        return -1
    }

    private static func compareSpecialForms(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
        sign(rank(lhs), rank(rhs))
    }
}
