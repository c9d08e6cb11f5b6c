// `moecl serve` settings: one table drives the flags, the MOECL_* variables and the config-file keys; the
// precedence is flag > variable > file > default.

import Foundation
import ModerationApp
import TensorCore
import Testing

@Suite("Serve settings")
struct SettingsTests {
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
        #expect(throws: SettingsError.self) {
            try ConfigFile.parse("prot = 1", path: "c.conf", keys: ServeSettings.fileKeys)
        }
        #expect(throws: SettingsError.self) {
            try ConfigFile.parse("port 9000", path: "c.conf", keys: ServeSettings.fileKeys)
        }
        do {
            _ = try ConfigFile.parse("\n\nprot = 1", path: "c.conf", keys: ServeSettings.fileKeys)
            Issue.record("accepted an unknown key")
        } catch {
            #expect("\(error)".contains("c.conf line 3") && "\(error)".contains("unknown key 'prot'"))
        }
    }

    /// A value for every setting, different from its default, as the text each source would carry.
    static let samples: [String: (text: String, check: @Sendable (ServeSettings) -> Bool)] = [
        "host": ("127.0.0.2", { $0.host == "127.0.0.2" }),
        "port": ("9123", { $0.port == 9123 }),
        "model": ("/m", { $0.model == "/m" }),
        "experts": ("/e", { $0.experts == "/e" }),
        "threads": ("3", { $0.threads == 3 }),
        "precision": ("int8", { $0.precision == .int8 }),
        "max-batch-tokens": ("1024", { $0.maxBatchTokens == 1024 }),
        "max-wait-us": ("250", { $0.maxWaitUs == 250 }),
        "max-queue": ("17", { $0.maxQueue == 17 }),
        "max-connections": ("18", { $0.maxConnections == 18 }),
        "max-connections-per-client": ("0", { $0.maxConnectionsPerClient == 0 }),
        "max-body-bytes": ("2048", { $0.maxBodyBytes == 2048 }),
        "max-request-line-bytes": ("300", { $0.maxRequestLineBytes == 300 }),
        "max-headers": ("9", { $0.maxHeaders == 9 }),
        "max-header-bytes": ("2000", { $0.maxHeaderBytes == 2000 }),
        "max-texts": ("5", { $0.maxTexts == 5 }),
        "state": ("/s", { $0.state == "/s" }),
        "audit-rate": ("0.5", { $0.auditRate == 0.5 }),
        "sample-rate": ("0.25", { $0.sampleRate == 0.25 }),
        "sample-seed": ("18446744073709551615", { $0.sampleSeed == UInt64.max }),
        "claim-order": ("oldest", { $0.claimOrder == .oldest }),
        "review-max-wait": ("600", { $0.reviewMaxWait == 600 }),
        "evolve-every": ("50", { $0.evolveEvery == 50 }),
        "train-threads": ("2", { $0.trainThreads == 2 }),
        "training-data": ("/data", { $0.trainingData == "/data" }),
        "max-evolution-runs": ("3", { $0.maxEvolutionRuns == 3 }),
        "keep-uploads": ("3", { $0.keepUploads == 3 }),
        "token": ("review:0123456789abcdef", { $0.tokens == ["review:0123456789abcdef"] }),
        "tokens-file": ("/t", { $0.tokensFile == "/t" }),
        "drain-seconds": ("3", { $0.drainSeconds == 3 }),
        "header-timeout": ("4", { $0.headerTimeout == 4 }),
        "body-timeout": ("5", { $0.bodyTimeout == 5 }),
        "idle-timeout": ("6", { $0.idleTimeout == 6 }),
        "decision-log-days": ("0", { $0.decisionLogDays == 0 }),
        // tls-cert and tls-key are a pair: each is checked with the other set in the same source.
        "tls-cert": ("/c.pem", { $0.tlsCert == "/c.pem" }),
        "tls-key": ("/k.pem", { $0.tlsKey == "/k.pem" }),
        "database-url": ("postgresql://u@h/d", { $0.databaseURL == "postgresql://u@h/d" }),
        "expert-sync-seconds": ("0.5", { $0.expertSyncSeconds == 0.5 }),
        "log-level": ("debug", { $0.logLevel == .debug }),
        "log-format": ("json", { $0.logFormat == .json }),
    ]

    static func partner(_ name: String) -> (String, String)? {
        switch name {
        case "tls-cert": ("tls-key", "/k.pem")
        case "tls-key": ("tls-cert", "/c.pem")
        default: nil
        }
    }

    @Test func everySettingIsReachableAsAFlagAVariableAndAFileKey() throws {
        #expect(Set(Self.samples.keys) == ServeSettings.fileKeys, "a setting without a sample here")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for setting in ServeSettings.table {
            let sample = try #require(Self.samples[setting.name])
            let partner = Self.partner(setting.name)
            #expect(
                !sample.check(try SettingsResolver.resolve(arguments: [], environment: [:])),
                "\(setting.name): the sample is the default")
            var arguments = ["--\(setting.name)", sample.text]
            if let partner { arguments += ["--\(partner.0)=\(partner.1)"] }
            #expect(
                sample.check(try SettingsResolver.resolve(arguments: arguments, environment: [:])), "--\(setting.name)")
            var environment = [setting.environmentName: sample.text]
            if let partner { environment[Setting.environmentName(partner.0)] = partner.1 }
            #expect(
                sample.check(try SettingsResolver.resolve(arguments: [], environment: environment)),
                "\(setting.environmentName)")
            let path = folder.appendingPathComponent("\(setting.name).conf").path
            try "\(setting.name) = \(sample.text)\n\(partner.map { "\($0.0) = \($0.1)\n" } ?? "")".write(
                toFile: path, atomically: true, encoding: .utf8)
            #expect(
                sample.check(try SettingsResolver.resolve(arguments: ["--config", path], environment: [:])), "\(path)")
            #expect(
                ServeSettings.helpText.contains("--\(setting.name) <")
                    && ServeSettings.helpText.contains(setting.environmentName))
        }
    }

    @Test func flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults() throws {
        let folder = try temporaryFolder()
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
        let arguments = ["--config", path, "--port", "9001", "--token", "classify:flag-0123456789abcdef"]
        let environment = [
            "MOECL_PORT": "8000", "MOECL_MAX_BATCH_TOKENS": "2048", "MOECL_TOKENS": "review:env-0123456789abcdef",
        ]
        let settings = try SettingsResolver.resolve(arguments: arguments, environment: environment)
        #expect(settings.port == 9001)  // flag over environment and file
        #expect(settings.maxBatchTokens == 2048)  // environment over file
        #expect(settings.auditRate == 0.05)  // file over default
        #expect(settings.maxQueue == 4096 && settings.host == "127.0.0.1")  // defaults
        #expect(
            settings.tokens == [
                "classify:flag-0123456789abcdef", "review:env-0123456789abcdef", "admin:file-0123456789abcdef",
            ])
        #expect(settings.model == "/models/from-file" && settings.threads == 3)
        // MOECL_CONFIG names the file when --config does not; the last of repeated flags wins.
        let viaVariable = try SettingsResolver.resolve(
            arguments: ["--port", "1", "--port=2"], environment: ["MOECL_CONFIG": path])
        #expect(viaVariable.port == 2 && viaVariable.maxBatchTokens == 1024)
    }

    @Test func badValuesNameTheirSource() throws {
        func message(_ arguments: [String], _ environment: [String: String] = [:]) -> String? {
            do {
                _ = try SettingsResolver.resolve(arguments: arguments, environment: environment)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(message([], ["MOECL_MAX_BATCH_TOKENS": "lots"])?.contains("MOECL_MAX_BATCH_TOKENS") == true)
        #expect(
            message(["--max-batch-tokens", "8"])?.contains("--max-batch-tokens: '8' is not a valid value (≥ 16)")
                == true)
        #expect(message(["--audit-rate", "2"])?.contains("0 to 1") == true)
        #expect(message(["--tls-cert", "c.pem"])?.contains("tls-key") == true)
        #expect(message(["--config", "/nonexistent/moecl.conf"])?.contains("cannot read the config file") == true)
        #expect(message(["--prot", "1"])?.contains("unknown option '--prot'; did you mean --port?") == true)
        #expect(message(["--port"])?.contains("--port needs a value") == true)
        #expect(message(["9000"])?.contains("unexpected argument '9000'") == true)
        #expect(message(["--expert-sync-seconds=-1"])?.contains("≥ 0") == true)
        #expect(message(["--log-level", "loud"])?.contains("trace|debug|info") == true)
        // Issue 15, finding 8: hosts that passed the loopback check and then failed to parse at listen time.
        for host in ["127.1", "127.0.0.1.evil", "localhost", "127.0.0.256", "::1", ""] {
            #expect(message(["--host", host])?.contains("an IPv4 address") == true, "\(host)")
        }
        #expect(try SettingsResolver.resolve(arguments: ["--host", "0.0.0.0"], environment: [:]).host == "0.0.0.0")
        let mysql = message(["--database-url", "mysql://moecl:pw@db/moecl"])
        #expect(mysql?.contains("PostgreSQL URL") == true && mysql?.contains("pw@") == false)
    }

    @Test func theDatabaseURLComesFromTheEnvironmentAndAnEmptyOneMeansSQLite() throws {
        let plain = try SettingsResolver.resolve(arguments: [], environment: [:])
        #expect(plain.databaseURL == nil && plain.expertSyncSeconds == 1)
        let url = "postgresql://moecl:pw@db:5432/moecl"
        let fromEnvironment = try SettingsResolver.resolve(
            arguments: [], environment: ["MOECL_DATABASE_URL": url, "MOECL_EXPERT_SYNC_SECONDS": "0.5"])
        #expect(fromEnvironment.databaseURL == url && fromEnvironment.expertSyncSeconds == 0.5)
        // An empty variable (the base Secret's placeholder) means SQLite.
        #expect(try SettingsResolver.resolve(arguments: [], environment: ["MOECL_DATABASE_URL": ""]).databaseURL == nil)
    }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "moecl-settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
