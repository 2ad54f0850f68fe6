import Foundation
import HeraldFormats
import Testing

@testable import HeraldCore

@Suite("Version ordering")
struct VersionOrderTests {
    @Test(
        "Known answers of PHP's version_compare()",
        arguments: [
            ("1.0", "1.0", 0), ("1.10", "1.9", 1), ("5.2", "5.2.0", -1), ("1.0", "1.0.0", -1),
            ("5.3.0-dev", "5.3.0", -1), ("1.0rc1", "1.0", -1), ("1.0RC1", "1.0rc1", 0), ("1.0pl1", "1.0", 1),
            ("1.0a", "1.0b", -1), ("1.0alpha", "1.0a", 0), ("1.0-beta", "1.0.b", 0), ("1.0dev", "1.0alpha", -1),
            ("1.0-foo", "1.0-dev", -1), ("1.0#1", "1.0pl1", -1), ("1.", "1", -1), ("", "1", -1), ("", "", 0),
            ("1.0_1", "1.0+1", 0), ("01.2", "1.2", 0), ("1.0.0-rc.1", "1.0.0", -1),
            ("99999999999999999999", "99999999999999999998", 0),
        ])
    func knownAnswers(lhs: String, rhs: String, expected: Int) {
        #expect(VersionOrder.compare(lhs, rhs) == expected)
        #expect(VersionOrder.compare(rhs, lhs) == -expected)
    }

    @Test("Canonical form follows PHP's rules")
    func canonicalForm() {
        #expect(VersionOrder.canonicalize("1.0-RC1") == "1.0.RC.1")
        #expect(VersionOrder.canonicalize("1.0__beta2") == "1.0.beta.2")
        #expect(VersionOrder.canonicalize("1..2") == "1.2")
        #expect(VersionOrder.canonicalize("-1") == "-.1")
    }

    @Test("Version.isNewer(than:) uses version_compare order")
    func isNewer() throws {
        #expect(try Version(validating: "1.10").isNewer(than: Version(validating: "1.9")))
        #expect(try !Version(validating: "1.0rc1").isNewer(than: Version(validating: "1.0")))
        #expect(try !Version(validating: "2.0").isNewer(than: Version(validating: "2.0")))
    }

    /// Asks the real PHP for version_compare() on every generated pair, in one php-cli process.
    @Test("Agrees with PHP's version_compare() on 24,000 generated pairs")
    func agreesWithPHP() throws {
        var generator = VersionPairGenerator(seed: 0x4845_5241_4c44)
        let pairs = (0..<24_000).map { _ in generator.nextPair() }
        let php = try PHP.versionCompare(pairs)
        try #require(php.count == pairs.count, "php answered \(php.count) of \(pairs.count) pairs")
        // The pairs exercise every outcome, not just one side.
        for outcome in [-1, 0, 1] {
            #expect(php.filter { $0 == outcome }.count > 1_000, "too few pairs where PHP answers \(outcome)")
        }
        var disagreements: [String] = []
        for (index, (lhs, rhs)) in pairs.enumerated() {
            let herald = VersionOrder.compare(lhs, rhs)
            if herald != php[index] {
                disagreements.append("version_compare('\(lhs)', '\(rhs)'): PHP \(php[index]), Herald \(herald)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, first: \(disagreements.prefix(20))")
    }
}

/// Runs php-cli; the test command installs it.
enum PHP {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func versionCompare(_ pairs: [(String, String)]) throws -> [Int] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("herald-version-pairs-\(UUID().uuidString).tsv")
        defer { try? FileManager.default.removeItem(at: input) }
        try pairs.map { "\($0.0)\t\($0.1)\n" }.joined().write(to: input, atomically: true, encoding: .utf8)
        let script = #"""
            $in = fopen($argv[1], 'r');
            while (($line = fgets($in)) !== false) {
                [$a, $b] = explode("\t", rtrim($line, "\n"), 2);
                echo version_compare($a, $b), "\n";
            }
            """#
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["php", "-n", "-r", script, input.path]
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot run php (the test command installs php-cli): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "php exited with \(process.terminationStatus); is php-cli installed? scripts/test installs it")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
    }
}

/// Version strings of every shape that matters to version_compare(), from a fixed seed so a
/// failure can be reproduced: numbers, long numbers past a C long, leading zeros, dots, empty
/// parts, the separators - _ +, letters, every special form and other words, and a `#`.
struct VersionPairGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64: small, fast and the same on every platform.
    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    private mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    private static let words = [
        "dev", "alpha", "a", "beta", "b", "RC", "rc", "#", "pl", "p", "patch", "pre", "Alpha", "DEV", "Rc", "rC",
        "final", "stable", "x", "devel", "beta2", "rc1", "pl3", "ab", "z", "snapshot",
    ]
    private static let separators = [".", ".", ".", "-", "_", "+", "..", "", ".-", "+."]

    private mutating func number() -> String {
        switch below(10) {
        case 0: return String(repeating: "0", count: 1 + below(3)) + String(below(100))
        case 1: return (0..<(15 + below(12))).map { _ in String(below(10)) }.joined()
        case 2: return String(below(100_000))
        default: return String(below(12))
        }
    }

    private mutating func part() -> String {
        below(3) == 0 ? pick(Self.words) : number()
    }

    mutating func version() -> String {
        switch below(40) {
        case 0: return ""
        case 1: return pick(Self.separators) + part()
        case 2: return part() + pick(Self.separators)
        case 3: return "#" + part()
        default: break
        }
        var text = part()
        for _ in 0..<below(5) {
            text += (below(4) == 0 ? "" : pick(Self.separators)) + part()
        }
        return text
    }

    /// The same version spelled another way, which PHP usually finds equal: other separators,
    /// leading zeros on numbers.
    private mutating func respelled(_ version: String) -> String {
        var out = ""
        var previousWasDigit = false
        for character in version {
            if "-_+.".contains(character) {
                out += pick([".", "-", "_", "+"])
            } else {
                if character.isNumber && !previousWasDigit && below(4) == 0 { out += "0" }
                out.append(character)
            }
            previousWasDigit = character.isNumber
        }
        return out
    }

    /// A pair that is often close: the second version is the first, changed a little.
    mutating func nextPair() -> (String, String) {
        let first = version()
        switch below(4) {
        case 3:
            return (first, respelled(first))
        case 0:
            return (first, version())
        case 1:
            return (first, first + pick(Self.separators) + part())
        default:
            var parts = first.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if !parts.isEmpty { parts[below(parts.count)] = part() }
            return (first, parts.joined(separator: pick([".", "-", "_", "+"])))
        }
    }
}
