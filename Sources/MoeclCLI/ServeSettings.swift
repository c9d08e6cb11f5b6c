// The settings of `moecl serve` after precedence (flags > MOECL_* environment > config file > defaults).

import ArgumentParser
import Foundation

/// Concrete values for one `moecl serve` run.
public struct ServeSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port: UInt16 = 8080
    public var maxBatchTokens = 4096
    public var maxWaitUs = 0
    public var maxQueue = 4096
    public var maxConnections = 1024
    public var maxBodyBytes = 8 << 20
    public var maxRequestLineBytes = 8 << 10
    public var maxHeaders = 100
    public var maxHeaderBytes = 32 << 10
    public var maxTexts = 64
    public var state = "state"
    public var auditRate = 0.01
    public var tokens: [String] = []
    public var tokensFile: String?
    public var drainSeconds = 10.0
    public var headerTimeout = 10.0
    public var bodyTimeout = 30.0
    public var idleTimeout = 60.0
    public var decisionLogDays = 7.0
    public var tlsCert: String?
    public var tlsKey: String?
    /// PostgreSQL URL shared by replicas; nil keeps the state in `state`/moecl.sqlite.
    public var databaseURL: String?
    public var expertSyncSeconds = 1.0

    public init() {}

    /// Keys a config file may hold: these settings and the model options.
    public static let fileKeys: Set<String> = [
        "host", "port", "max-batch-tokens", "max-wait-us", "max-queue", "max-connections", "max-body-bytes", "max-request-line-bytes", "max-headers", "max-header-bytes", "max-texts", "state",
        "audit-rate", "token", "tokens-file", "drain-seconds", "header-timeout", "body-timeout", "idle-timeout", "decision-log-days", "tls-cert", "tls-key", "model", "experts",
        "threads", "database-url", "expert-sync-seconds",
    ]

    /// Checks ranges and pairs; the messages name the setting.
    public func validate() throws {
        guard (0...1).contains(auditRate) else { throw ValidationError("audit-rate must be between 0 and 1, got \(auditRate)") }
        guard maxBatchTokens >= 16, maxWaitUs >= 0, maxQueue >= 1, maxConnections >= 1, maxBodyBytes >= 1024, maxTexts >= 1 else {
            throw ValidationError("max-batch-tokens ≥ 16, max-wait-us ≥ 0, max-queue, max-connections, max-texts ≥ 1, max-body-bytes ≥ 1024")
        }
        guard maxRequestLineBytes >= 256, maxHeaders >= 8, maxHeaderBytes >= 1024 else {
            throw ValidationError("max-request-line-bytes ≥ 256, max-headers ≥ 8, max-header-bytes ≥ 1024")
        }
        guard drainSeconds >= 0, decisionLogDays >= 0 else { throw ValidationError("drain-seconds and decision-log-days must be ≥ 0") }
        guard headerTimeout > 0, bodyTimeout > 0, idleTimeout > 0 else {
            throw ValidationError("header-timeout, body-timeout and idle-timeout must be > 0 seconds")
        }
        guard expertSyncSeconds >= 0 else { throw ValidationError("expert-sync-seconds must be ≥ 0 (0 turns catching up off)") }
        if let url = databaseURL, !(url.hasPrefix("postgresql://") || url.hasPrefix("postgres://")) {
            throw ValidationError("database-url must be a PostgreSQL URL, postgresql://user:password@host:5432/database (got one starting '\(url.prefix(12))')")
        }
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("TLS needs both tls-cert and tls-key (PEM files); got only \(tlsCert == nil ? "tls-key" : "tls-cert")")
        }
    }
}
