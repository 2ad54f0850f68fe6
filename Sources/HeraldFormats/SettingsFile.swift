/// Herald's configuration file: the part of TOML it needs. Each setting is `name = value` with
/// the name of a command-line option (`port = 8080`, `data-dir = "/var/lib/herald"`); a value is
/// a string (`"..."` with TOML's escapes, or `'...'` taken as written), an integer, `true` or
/// `false`, or an array of those on one line (a repeated option). `[serve]` starts settings that
/// only that command takes (`[license create]` for a subcommand); `#` starts a comment.
public struct SettingsFile: Sendable, Equatable {
    /// One setting as written: where, and under which section (empty: for every command).
    public struct Setting: Sendable, Equatable {
        public let section: String
        public let name: String
        /// Each value as the option would be given; more than one for an array.
        public let values: [String]
        /// True for `true`, false for `false`; nil for any other value.
        public let flag: Bool?
        public let line: Int
    }

    public let settings: [Setting]

    /// Parses `text`; a line it cannot read is an error naming the line.
    public init(parsing text: String) throws(SettingsFileError) {
        var settings: [Setting] = []
        var section = ""
        var seen: Set<String> = []
        for (index, raw) in Self.lines(of: text).enumerated() {
            let line = index + 1
            let rest = raw.drop { $0 == " " || $0 == "\t" }
            if rest.isEmpty || rest.hasPrefix("#") { continue }
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]"), Self.isBlankOrComment(rest[rest.index(after: close)...]) else {
                    throw SettingsFileError(line: line, message: "a section is written [name]")
                }
                let words = rest[rest.index(after: rest.startIndex)..<close].split(separator: " ")
                guard !words.isEmpty, words.allSatisfy(Self.isName) else {
                    throw SettingsFileError(line: line, message: "a section is the name of a command, e.g. [serve]")
                }
                section = words.joined(separator: " ")
                continue
            }
            guard let equals = rest.firstIndex(of: "=") else {
                throw SettingsFileError(line: line, message: "a setting is written name = value")
            }
            let name = rest[..<equals].trimmingWhitespace().replacingUnderscores()
            guard Self.isName(Substring(name)) else {
                throw SettingsFileError(line: line, message: "\(name.isEmpty ? "a setting's name" : "'\(name)'") must be the name of an option, e.g. data-dir")
            }
            guard seen.insert(section + "\n" + name).inserted else {
                throw SettingsFileError(line: line, message: "'\(name)' is set twice")
            }
            var reader = ValueReader(text: rest[rest.index(after: equals)...], line: line)
            let (values, flag) = try reader.readSetting()
            settings.append(Setting(section: section, name: name, values: values, flag: flag, line: line))
        }
        self.settings = settings
    }

    /// The lines of `text`, ended by LF or CRLF (one `Character` in Swift), after any byte order mark.
    public static func lines(of text: String) -> [Substring] {
        let body = text.hasPrefix("\u{FEFF}") ? text.dropFirst() : Substring(text)
        return body.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    }

    /// Lowercase letters, digits and `-`, starting with a letter: an option's long name.
    private static func isName(_ text: Substring) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter, first.isLowercase else { return false }
        return text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }

    static func isBlankOrComment(_ text: Substring) -> Bool {
        let rest = text.drop { $0 == " " || $0 == "\t" }
        return rest.isEmpty || rest.hasPrefix("#")
    }
}

/// A line of a settings file that could not be read.
public struct SettingsFileError: Error, Equatable, CustomStringConvertible {
    public let line: Int
    public let message: String

    public var description: String { "line \(line): \(message)" }
}

/// Reads the value after `=`: one scalar, or an array of them, then only a comment.
private struct ValueReader {
    var text: Substring
    let line: Int

    mutating func readSetting() throws(SettingsFileError) -> ([String], Bool?) {
        skipSpaces()
        var values: [String] = []
        var flag: Bool?
        if text.first == "[" {
            text.removeFirst()
            skipSpaces()
            while text.first != "]" {
                let (value, _) = try readScalar()
                values.append(value)
                skipSpaces()
                if text.first == "," {
                    text.removeFirst()
                    skipSpaces()
                } else if text.first != "]" {
                    throw failure("an array is written [\"a\", \"b\"] on one line")
                }
            }
            text.removeFirst()
        } else {
            let (value, isFlag) = try readScalar()
            values = [value]
            flag = isFlag
        }
        guard SettingsFile.isBlankOrComment(text) else { throw failure("only a comment may follow a value") }
        return (values, flag)
    }

    /// A string, an integer or a boolean; the boolean is also returned as the flag.
    private mutating func readScalar() throws(SettingsFileError) -> (String, Bool?) {
        switch text.first {
        case "\"":
            return (try readBasicString(), nil)
        case "'":
            text.removeFirst()
            guard let end = text.firstIndex(of: "'") else { throw failure("a string is not closed") }
            let value = String(text[..<end])
            text = text[text.index(after: end)...]
            return (value, nil)
        default:
            let word = text.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "+" || $0 == "_") }
            text = text.dropFirst(word.count)
            switch word {
            case "true": return ("true", true)
            case "false": return ("false", false)
            default:
                let digits = word.filter { $0 != "_" }
                guard !digits.isEmpty, digits.count <= 19, Int64(digits) != nil else {
                    throw failure("a value is a \"string\", an integer, true or false")
                }
                return (String(Int64(digits) ?? 0), nil)
            }
        }
    }

    private mutating func readBasicString() throws(SettingsFileError) -> String {
        text.removeFirst()
        var value = ""
        while let character = text.first {
            text.removeFirst()
            switch character {
            case "\"":
                return value
            case "\\":
                guard let escaped = text.first else { throw failure("a string is not closed") }
                text.removeFirst()
                switch escaped {
                case "\"": value.append("\"")
                case "\\": value.append("\\")
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                case "u", "U":
                    let length = escaped == "u" ? 4 : 8
                    let hex = text.prefix(length)
                    guard hex.count == length, let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                        throw failure("\\\(escaped) takes \(length) hex digits of a Unicode scalar")
                    }
                    value.unicodeScalars.append(scalar)
                    text = text.dropFirst(length)
                default:
                    throw failure("\\\(escaped) is not an escape of TOML")
                }
            default:
                value.append(character)
            }
        }
        throw failure("a string is not closed")
    }

    private mutating func skipSpaces() {
        text = text.drop { $0 == " " || $0 == "\t" }
    }

    private func failure(_ message: String) -> SettingsFileError {
        SettingsFileError(line: line, message: message)
    }
}

extension String {
    /// `data_dir` read as `data-dir`: TOML's usual spelling and the options' alike.
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
