import Foundation
import HeraldCore
import HeraldStore
import HeraldTestSupport
import Testing

/// Every option from the settings file and from `HERALD_*` variables, the command line winning.
@Suite("Settings from a file and the environment")
struct SettingsTests {
    @Test("The file's top and its command's section apply; the environment beats the file; a flag beats both")
    func precedence() async throws {
        try await withTemporaryFolder("settings") { folder in
            let file = folder + "/herald.toml"
            try """
            # every command
            data_dir = "\(folder)/from-file"

            [product create]
            kind = 'theme'
            """.write(toFile: file, atomically: true, encoding: .utf8)
            let fromFile = try HeraldBinary.run(["product", "create", "one", "--name", "One", "--config", file])
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            #expect(FileManager.default.fileExists(atPath: folder + "/from-file/herald.sqlite"))
            let kind = try await withStore(folder + "/from-file") { try await $0.product(ProductID(validating: "one"))?.kind }
            #expect(kind == .theme, "the [product create] section set --kind")

            let fromEnvironment = try HeraldBinary.run(
                ["product", "create", "two", "--name", "Two"], environment: ["HERALD_CONFIG": file, "HERALD_DATA_DIR": folder + "/from-env"])
            #expect(fromEnvironment.status == 0, "\(fromEnvironment.stderr)")
            #expect(FileManager.default.fileExists(atPath: folder + "/from-env/herald.sqlite"))

            let fromFlag = try HeraldBinary.run(
                ["product", "create", "three", "--name", "Three", "--data-dir", folder + "/from-flag", "--kind", "plugin"],
                environment: ["HERALD_CONFIG": file, "HERALD_DATA_DIR": folder + "/from-env"])
            #expect(fromFlag.status == 0, "\(fromFlag.stderr)")
            #expect(FileManager.default.fileExists(atPath: folder + "/from-flag/herald.sqlite"))
            let flagged = try await withStore(folder + "/from-flag") { try await $0.product(ProductID(validating: "three"))?.kind }
            #expect(flagged == .plugin, "--kind on the command line beat the file's section")
        }
    }

    @Test("herald config check prints each setting with its source and checks the database")
    func check() async throws {
        try await withTemporaryFolder("settings") { folder in
            let file = folder + "/herald.toml"
            try "data-dir = \"\(folder)/data\"\n[serve]\nport = 9444\ntrusted-proxy = [\"10.0.0.1\", \"10.0.0.2\"]\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            let checked = try HeraldBinary.run(["config", "check", "--config", file], environment: ["HERALD_LOG_FORMAT": "json"])
            #expect(checked.status == 0, "\(checked.stdout) \(checked.stderr)")
            #expect(checked.stdoutLines.contains("port = 9444    # from the settings file, line 3"))
            #expect(checked.stdoutLines.contains("trusted-proxy = 10.0.0.1, 10.0.0.2    # from the settings file, line 4"))
            #expect(checked.stdoutLines.contains("log-format = json    # from $HERALD_LOG_FORMAT"))
            #expect(checked.stdoutLines.contains("database: reachable, schema version 0 of \(Migration.all.count) (herald serve brings it up to date)"))

            let invalid = try HeraldBinary.run(["config", "check", "--config", file], environment: ["HERALD_PORT": "70000"])
            #expect(invalid.status != 0)
            #expect(invalid.stderr.contains("--port"), "\(invalid.stderr)")
        }
    }

    @Test(
        "A settings file that cannot be read is one error line naming the line",
        arguments: [
            ("prot = 1\n", "line 1: no command has an option --prot"),
            ("port = \"8080\n", "line 1: a string is not closed"),
            ("[serve\nport = 1\n", "line 1: a section is written [name]"),
            ("port = 1\nport = 2\n", "line 2: 'port' is set twice"),
            ("no-stats = \"yes\"\n", "--no-stats is a flag: true or false"),
        ])
    func errors(text: String, says expected: String) async throws {
        try await withTemporaryFolder("settings") { folder in
            let file = folder + "/herald.toml"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try HeraldBinary.run(["serve", "--config", file, "--data-dir", folder])
            #expect(result.status != 0)
            #expect(result.stderrLines.count == 1 && result.stderr.contains(expected), "\(result.stderr)")
        }
    }
}
