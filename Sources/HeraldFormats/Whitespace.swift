extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines; without Foundation.
    public func trimmingWhitespace() -> String {
        // Most text (every site address, every version) is trimmed of ASCII spaces at most:
        // done on its bytes when what is left starts and ends with a printable ASCII character.
        let text = String(self)
        let utf8 = text.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        if let start = utf8.firstIndex(where: { !isSpace($0) }), let end = utf8.lastIndex(where: { !isSpace($0) }),
            (0x21..<0x7F).contains(utf8[start]), (0x21..<0x7F).contains(utf8[end])
        {
            return start == utf8.startIndex && end == utf8.index(before: utf8.endIndex) ? text : String(Substring(utf8[start...end]))
        }
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[start...end]))
    }
}
