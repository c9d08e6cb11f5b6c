// The settings of `moecl serve`: concrete values after precedence (flag > MOECL_* variable > config file > default).

import ServiceStore
import TensorCore

/// Concrete values for one `moecl serve` run. The defaults here are the only ones: `ServeSettings.table`
/// reads them for the help text, and the library types are configured from these values.
public struct ServeSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port: UInt16 = 8080
    /// Base model folder.
    public var model = "models/all-MiniLM-L6-v2"
    /// Expert bundle folder; nil: `defaultExperts`, which must exist (with a message saying how to make it).
    public var experts: String?
    /// Compute threads; nil: one per core.
    public var threads: Int?
    /// Arithmetic of the base's projections; `auto`: int8 on a BERT base, fp32 on a Llama base.
    public var precision: PrecisionSetting = .auto
    public var maxBatchTokens = 4096
    public var maxWaitUs = 0
    public var maxQueue = 4096
    public var maxConnections = 1024
    public var maxConnectionsPerClient = 64
    public var maxBodyBytes = 8 << 20
    public var maxRequestLineBytes = 8 << 10
    public var maxHeaders = 100
    public var maxHeaderBytes = 32 << 10
    public var maxTexts = 64
    public var state = "state"
    public var auditRate = 0.01
    public var sampleRate = 0.05
    /// Seed of the sampling draws; nil: the system's generator.
    public var sampleSeed: UInt64?
    public var claimOrder = ClaimOrder.informative
    public var reviewMaxWait = 86_400.0
    public var evolveEvery = 200
    public var trainThreads = 1
    /// Where evolution runs look for the training files experts record (`TrainingSource`), by relative path.
    public var trainingData: String?
    public var maxEvolutionRuns = 1
    public var keepUploads = 10
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
    public var logLevel = LogLevel.info
    public var logFormat = LogFormat.text

    /// The bundle served when no `experts` setting names one (relative to the working directory).
    public static let defaultExperts = "experts/default"

    public init() {}

    /// The bundle folder in effect.
    public var expertsFolder: String { experts ?? Self.defaultExperts }

    /// Checks what single settings cannot: pairs and combinations. The messages name the settings.
    public func validate() throws(SettingsError) {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw SettingsError(
                "TLS needs both tls-cert and tls-key (PEM files); got only \(tlsCert == nil ? "tls-key" : "tls-cert")")
        }
    }
}
