import ArgumentParser
import Foundation
import HeraldFormats

/// Settings from outside the command line: `HERALD_*` environment variables and the config file
/// (`--config FILE` or `HERALD_CONFIG`), turned into the options they stand for, so every option
/// of every command can be set either way. The command line wins, then the environment, then
/// the file's section for the command (`[serve]`), then its top.
struct CommandSettings {
    /// Where each option given comes from, for `herald config check`.
    enum Source: Equatable {
        case commandLine
        case environment(String)
        case file(line: Int)
    }

    /// The arguments with the settings added, and where each option came from.
    let arguments: [String]
    let sources: [String: Source]

    /// Adds to `arguments` what the environment and the config file set for their command.
    init(arguments given: [String], environment: [String: String]) throws {
        var arguments = given
        var configPath = environment["HERALD_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if let index = arguments.firstIndex(where: { $0 == "--config" || $0.hasPrefix("--config=") }),
            arguments[..<index].allSatisfy({ $0 != "--" })
        {
            if arguments[index] == "--config" {
                guard index + 1 < arguments.count else { throw CommandFailure(message: "--config needs the path of a settings file") }
                configPath = arguments[index + 1]
                arguments.removeSubrange(index...(index + 1))
            } else {
                configPath = String(arguments[index].dropFirst("--config=".count))
                arguments.remove(at: index)
            }
        }
        let (command, path) = Self.command(in: arguments)
        let options = Self.options(of: command)
        let inversions = Self.inversions(of: command)
        var sources: [String: Source] = [:]
        for argument in arguments where argument.hasPrefix("--") {
            let name = String(argument.dropFirst(2).prefix { $0 != "=" })
            // `--no-premium` on the command line sets `premium` as surely as `--premium`.
            if let flag = inversions[name] ?? (options[name] != nil ? name : nil) { sources[flag] = .commandLine }
        }
        var added: [String] = []
        func add(_ name: String, values: [String], flag: Bool?, source: Source) throws {
            guard sources[name] == nil, let takesValue = options[name] else { return }
            sources[name] = source
            if takesValue {
                // `--name=value`, so that a value starting with `-` stays a value.
                for value in values { added.append("--\(name)=\(value)") }
            } else if flag == true {
                added.append("--\(name)")
            } else if flag == false {
                if let inverse = inversions.first(where: { $0.value == name })?.key { added.append("--\(inverse)") }
            } else {
                throw CommandFailure(message: "\(Self.describe(source)): --\(name) is a flag: true or false")
            }
        }
        for name in options.keys.sorted() {
            let variable = "HERALD_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            guard let value = environment[variable], !value.isEmpty else { continue }
            let flag: Bool? = ["true", "1", "yes"].contains(value.lowercased()) ? true : ["false", "0", "no"].contains(value.lowercased()) ? false : nil
            let values = name == "trusted-proxy" ? value.split(separator: ",").map { $0.trimmingWhitespace() } : [value]
            try add(name, values: values, flag: flag, source: .environment(variable))
        }
        if let configPath {
            let file = try Self.read(configPath)
            let known = Self.allOptionNames()
            for setting in file.settings where known[setting.name] == nil {
                throw CommandFailure(message: "\(configPath) line \(setting.line): no command has an option --\(setting.name)")
            }
            // The command's own section first: it wins over the file's top.
            for setting in file.settings.sorted(by: { ($0.section.isEmpty ? 1 : 0) < ($1.section.isEmpty ? 1 : 0) })
            where setting.section.isEmpty || setting.section == path {
                try add(setting.name, values: setting.values, flag: setting.flag, source: .file(line: setting.line))
            }
        }
        // Before a `--`, which ends the options.
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        arguments.insert(contentsOf: added, at: end)
        self.arguments = arguments
        self.sources = sources
    }

    static func read(_ path: String) throws -> SettingsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(message: "cannot read the settings file \(path)")
        }
        do {
            return try SettingsFile(parsing: String(decoding: data, as: UTF8.self))
        } catch {
            throw CommandFailure(message: "\(path) \(error)")
        }
    }

    static func describe(_ source: Source) -> String {
        switch source {
        case .commandLine: "the command line"
        case .environment(let variable): "$\(variable)"
        case .file(let line): "the settings file, line \(line)"
        }
    }

    /// The command the arguments name, and its path (`license create`).
    static func command(in arguments: [String]) -> (ParsableCommand.Type, String) {
        var command: ParsableCommand.Type = Herald.self
        var path: [String] = []
        for word in arguments {
            guard !word.hasPrefix("-"), let next = command.configuration.subcommands.first(where: { $0._commandName == word }) else { break }
            command = next
            path.append(word)
        }
        return (command, path.joined(separator: " "))
    }

    /// The long options of `command`, each with whether it takes a value, as its help lists
    /// them (`--port <port>`, `--no-stats`).
    static func options(of command: ParsableCommand.Type) -> [String: Bool] {
        var options: [String: Bool] = [:]
        for line in command.helpMessage(columns: 10_000).split(separator: "\n") {
            var rest = line.drop { $0 == " " }
            guard line.count - rest.count == 2 || line.count - rest.count == 3 else { continue }
            if rest.hasPrefix("-"), !rest.hasPrefix("--") { rest = rest.drop { $0 != "," }.dropFirst().drop { $0 == " " } }
            guard rest.hasPrefix("--") else { continue }
            let name = String(rest.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" })
            guard !name.isEmpty, name != "help", name != "version" else { continue }
            let after = rest.dropFirst(2 + name.count)
            options[name] = after.hasPrefix(" <")
        }
        return options
    }

    /// The flags of `command` that have an inversion (`--premium/--no-premium`): the inverted
    /// name and the flag's.
    static func inversions(of command: ParsableCommand.Type) -> [String: String] {
        var inversions: [String: String] = [:]
        for line in command.helpMessage(columns: 10_000).split(separator: "\n") {
            let words = line.drop { $0 == " " }.prefix { $0 != " " }
            guard words.hasPrefix("--"), words.contains("/--") else { continue }
            let names = words.split(separator: "/").map { String($0.dropFirst(2)) }
            if names.count == 2 { inversions[names[1]] = names[0] }
        }
        return inversions
    }

    /// Every long option of every command: what a settings file may name.
    static func allOptionNames() -> [String: Bool] {
        var all: [String: Bool] = ["config": true]
        var pending: [ParsableCommand.Type] = [Herald.self]
        while let command = pending.popLast() {
            all.merge(options(of: command)) { first, _ in first }
            pending += command.configuration.subcommands
        }
        return all
    }
}
