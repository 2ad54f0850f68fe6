import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore

/// `herald blobs`: moving the build files between the data folder and a bucket.
struct BlobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blobs", abstract: "Move build files between the data folder and a bucket.", subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every blob of the data folder to a bucket and check each one's SHA-256 there; the folder is left as it was.",
            discussion: "Run it, then start herald serve with --blobs set to the same bucket. Running it again copies only what is missing, and checks everything again.")

        @Option(help: "The bucket: s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).")
        var to: String

        @Option(name: .customLong("data-dir"), help: "The data folder whose blobs/ is copied.")
        var dataDirectory = "./herald-data"

        func run() async throws {
            let bucket: BucketLocation
            do {
                bucket = try BucketLocation(parsing: to, environment: ProcessInfo.processInfo.environment)
            } catch let error as HeraldError {
                throw CommandFailure(message: "--to: \(error.message)")
            }
            let folder = try BlobStore(dataDirectory: dataDirectory)
            let target = try BlobStore(dataDirectory: dataDirectory, bucket: bucket)
            try await target.checkBucket()
            let stored = try await folder.storedBlobs()
            var copied = 0
            var bytes: Int64 = 0
            var failures: [String] = []
            for (hash, _) in stored.blobs {
                do {
                    if try await target.contains(hash) == false, let path = folder.localPath(of: hash) {
                        let blob = try await target.store(fileAt: path)
                        guard blob.hash == hash else {
                            failures.append("\(path): its bytes have the SHA-256 \(blob.hash), not its name; it was not copied under its name")
                            continue
                        }
                        copied += 1
                        bytes += blob.size
                    }
                    // Read back from the bucket: what is there must be what the name says.
                    if try await target.sha256(of: hash) != hash.rawValue {
                        failures.append("\(hash): the bucket's copy does not have this SHA-256")
                    }
                } catch {
                    failures.append("\(hash): \(error)")
                }
            }
            for stray in stored.strays { print("skipped (not a blob): \(stray)") }
            print("\(stored.blobs.count) blobs: \(copied) copied (\(bytes) bytes), \(stored.blobs.count - failures.count) verified in \(bucket.description)")
            guard failures.isEmpty else {
                for failure in failures { print("failed: \(failure)") }
                throw ExitCode(1)
            }
        }
    }
}
