import ArgumentParser
import Foundation
import HeraldCore

/// The `herald` command: the update server and the tools to run it.
@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "A self-hosted update server for WordPress plugins, themes and desktop apps.",
        subcommands: [
            Serve.self, ProductCommand.self, TokenCommand.self, Publish.self, Channels.self, Builds.self, Pin.self, Unpin.self, Yank.self,
            Rollback.self, KeyCommand.self, ImportCommand.self, ExportCommand.self, UpdateCommand.self, Plan.self, PublishAll.self, ExtensionCommand.self, LicenseCommand.self,
            MessageCommand.self, RolloutCommand.self, StatsCommand.self, VerifyCommand.self, AdminCommand.self, TUFCommand.self, BlobsCommand.self, BackupCommand.self, RestoreCommand.self, ConfigCommand.self,
        ]
    )

    /// Runs the command line; a user error is one line on stderr and a non-zero exit, never a trace.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.contains(where: { ["--help", "-h"].contains($0) }) || arguments.first == "help" {
            print(helpMessage(for: requestedCommand(in: arguments)))
            Foundation.exit(0)
        }
        var command: any ParsableCommand
        do {
            let settings = try CommandSettings(arguments: arguments, environment: ProcessInfo.processInfo.environment)
            command = try parseAsRoot(settings.arguments)
        } catch let failure as CommandFailure {
            exitWithMessage("error: \(failure.message)")
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            // The one line that says what is wrong; `--help` shows the usage.
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            exitWithMessage("error: \(message.replacingOccurrences(of: "Error: ", with: "")) (see herald --help)", code: code.rawValue)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as HeraldError {
            exitWithMessage("error: \(error.message)")
        } catch let error as CommandFailure {
            exitWithMessage("error: \(error.message)")
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            // Not expected: say what it was, on one line, without a trace.
            let detail = String(reflecting: error).split(whereSeparator: \.isNewline).joined(separator: " ")
            exitWithMessage("error: \(detail)")
        }
    }

    /// The command whose help is asked for: the subcommands named before any option
    /// (`herald help export goupdate` and `herald export goupdate --help` alike).
    private static func requestedCommand(in arguments: [String]) -> ParsableCommand.Type {
        var command: ParsableCommand.Type = Herald.self
        for word in arguments where word != "help" {
            guard !word.hasPrefix("-"), let next = command.configuration.subcommands.first(where: { $0._commandName == word }) else { break }
            command = next
        }
        return command
    }

    private static func exitWithMessage(_ message: String, code: Int32 = 1) -> Never {
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data((oneLine + "\n").utf8))
        Foundation.exit(code == 0 ? 1 : code)
    }
}

/// A failure of a command that is the user's to fix, with a message that says how.
struct CommandFailure: Error {
    let message: String
}
