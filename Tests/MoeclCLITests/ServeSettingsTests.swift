// `moecl serve` settings: the config file format and the precedence flags > MOECL_* environment > file > default.

import ArgumentParser
import Foundation
import MoeclCLI
import Testing

@Suite("moecl serve settings")
struct ServeSettingsTests {
    @Test func configFileParsesKeyValueLinesCommentsQuotesAndRepeats() throws {
        let text = """
            # the service
            port = 9000   # trailing comment
            state = "/var/lib/moecl # not a comment"
            token = admin:0123456789abcdef
            token = review:fedcba9876543210

            """
        let file = try ConfigFile.parse(text, path: "c.conf", keys: ServeSettings.fileKeys)
        #expect(file.last("port") == "9000" && file.last("state") == "/var/lib/moecl # not a comment")
        #expect(file.values["token"] == ["admin:0123456789abcdef", "review:fedcba9876543210"])
        #expect(throws: ValidationError.self) { try ConfigFile.parse("prot = 1", path: "c.conf", keys: ServeSettings.fileKeys) }
        #expect(throws: ValidationError.self) { try ConfigFile.parse("port 9000", path: "c.conf", keys: ServeSettings.fileKeys) }
        do {
            _ = try ConfigFile.parse("\n\nprot = 1", path: "c.conf", keys: ServeSettings.fileKeys)
        } catch {
            #expect("\(error)".contains("c.conf line 3") && "\(error)".contains("unknown key 'prot'"))
        }
    }

    @Test func flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("moecl-settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("moecl.conf").path
        try """
            port = 7000
            max-batch-tokens = 1024
            audit-rate = 0.05
            model = /models/from-file
            threads = 3
            token = admin:file-0123456789abcdef
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let command = try ServeCommand.parse(["--config", path, "--port", "9001", "--token", "classify:flag-0123456789abcdef"])
        let environment = ["MOECL_PORT": "8000", "MOECL_MAX_BATCH_TOKENS": "2048", "MOECL_TOKENS": "review:env-0123456789abcdef"]
        let (settings, model, _) = try command.resolve(environment: environment)
        #expect(settings.port == 9001)  // flag over environment and file
        #expect(settings.maxBatchTokens == 2048)  // environment over file
        #expect(settings.auditRate == 0.05)  // file over default
        #expect(settings.maxQueue == 4096 && settings.host == "127.0.0.1")  // defaults
        #expect(settings.tokens == ["classify:flag-0123456789abcdef", "review:env-0123456789abcdef", "admin:file-0123456789abcdef"])
        #expect(model.model == "/models/from-file" && model.threads == 3)
        // A bad value names its source; a half TLS configuration is refused.
        #expect(throws: ValidationError.self) { try command.resolve(environment: ["MOECL_MAX_BATCH_TOKENS": "lots"]) }
        do {
            _ = try command.resolve(environment: ["MOECL_MAX_BATCH_TOKENS": "lots"])
        } catch {
            #expect("\(error)".contains("MOECL_MAX_BATCH_TOKENS"))
        }
        #expect(throws: ValidationError.self) { try ServeCommand.parse(["--tls-cert", "c.pem"]).resolve(environment: [:]) }
        #expect(throws: ValidationError.self) { try ServeCommand.parse(["--config", folder.appendingPathComponent("none").path]).resolve(environment: [:]) }
    }

    @Test func theDatabaseURLComesFromTheEnvironmentAndMustBePostgreSQL() throws {
        let plain = try ServeCommand.parse([]).resolve(environment: [:]).0
        #expect(plain.databaseURL == nil && plain.expertSyncSeconds == 1)
        let url = "postgresql://moecl:pw@db:5432/moecl"
        let fromEnvironment = try ServeCommand.parse([]).resolve(environment: ["MOECL_DATABASE_URL": url, "MOECL_EXPERT_SYNC_SECONDS": "0.5"]).0
        #expect(fromEnvironment.databaseURL == url && fromEnvironment.expertSyncSeconds == 0.5)
        // An empty variable (the base Secret's placeholder) means SQLite.
        #expect(try ServeCommand.parse([]).resolve(environment: ["MOECL_DATABASE_URL": ""]).0.databaseURL == nil)
        do {
            _ = try ServeCommand.parse(["--database-url", "mysql://moecl:pw@db/moecl"]).resolve(environment: [:])
            Issue.record("accepted a MySQL URL")
        } catch {
            #expect("\(error)".contains("PostgreSQL URL") && !"\(error)".contains("pw@"), "\(error)")
        }
        #expect(throws: ValidationError.self) { try ServeCommand.parse(["--expert-sync-seconds=-1"]).resolve(environment: [:]) }
    }
}
