import HeraldFormats
import Testing

@Suite("The settings file")
struct SettingsFileTests {
    @Test("Strings, literal strings, integers, booleans, arrays, sections and comments")
    func values() throws {
        let file = try SettingsFile(
            parsing: """
                # Herald
                data_dir = "/var/lib/herald" # the data
                public-url = 'https://updates.example.com/\\x'
                port = 8_080
                no-stats = true

                [license create]
                sites = 3
                trusted-proxy = ["10.0.0.1", '10.0.0.2', 3]
                changelog = "a\\tb\\u00e9\\"c\\\\"
                """)
        #expect(file.settings.map(\.name) == ["data-dir", "public-url", "port", "no-stats", "sites", "trusted-proxy", "changelog"])
        #expect(file.settings.map(\.section) == ["", "", "", "", "license create", "license create", "license create"])
        #expect(file.settings[0].values == ["/var/lib/herald"])
        #expect(file.settings[1].values == ["https://updates.example.com/\\x"])
        #expect(file.settings[2].values == ["8080"] && file.settings[2].flag == nil)
        #expect(file.settings[3].flag == true)
        #expect(file.settings[5].values == ["10.0.0.1", "10.0.0.2", "3"])
        #expect(file.settings[6].values == ["a\tbé\"c\\"])
        #expect(file.settings[6].line == 10)
    }

    @Test("Windows line endings and a byte order mark read as Unix ones do")
    func windows() throws {
        let file = try SettingsFile(parsing: "\u{FEFF}# settings\r\nport = 8080\r\n\r\n[serve]\r\nhost = \"0.0.0.0\"\r\n")
        #expect(file.settings.map(\.name) == ["port", "host"])
        #expect(file.settings.map(\.values) == [["8080"], ["0.0.0.0"]])
        #expect(file.settings.map(\.line) == [2, 5])
    }

    @Test(
        "What is not a setting is refused with its line",
        arguments: [
            ("port 8080", 1), ("\n\nport = ", 3), ("port = 1 2", 1), ("port = [1, 2", 1), ("port = \"\\q\"", 1),
            ("Port = 1", 1), ("[]", 1), ("x = 99999999999999999999", 1), ("x = \"\\u12\"", 1), ("x = \"\\uD800\"", 1),
        ])
    func refused(text: String, line: Int) {
        #expect(throws: SettingsFileError.self) { try SettingsFile(parsing: text) }
        #expect((try? SettingsFile(parsing: text)) == nil)
        do {
            _ = try SettingsFile(parsing: text)
        } catch {
            #expect(error.line == line)
        }
    }
}
