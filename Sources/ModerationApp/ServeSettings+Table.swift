// Every setting of `moecl serve`, declared once: name, type, default (from `ServeSettings()`), help, validation.

import Foundation
import TensorCore

extension ServeSettings {
    /// The settings in help order. `config` (`--config`, `MOECL_CONFIG`) names the file and is not in the table.
    public static let table: [Setting] = [
        .value(
            "host", \.host, "address", "IPv4 address to listen on (dotted quad).",
            requirement: "an IPv4 address such as 127.0.0.1 or 0.0.0.0"
        ) { isIPv4($0) },
        .value("port", \.port, "port", "Port to listen on; 0 picks a free one."),
        .value(
            "model", \.model, "path",
            "Base model: a BERT or Llama folder (config.json, safetensors weights, tokenizer.json or vocab.txt) "
                + "or a Llama-architecture .gguf file; the bundle's experts must have been trained on it."),
        Setting(
            "experts", valueName: "dir",
            help: "Expert bundle folder: manifest.json, shared.safetensors, tasks/*.safetensors.",
            defaultText: defaultExperts
        ) { settings, text in settings.experts = text.isEmpty ? nil : text },
        Setting(
            "precision", valueName: "auto|fp32|int8",
            help:
                "Arithmetic of the base's projections: auto (int8 on a BERT base, fp32 on a Llama base), fp32, or "
                + "int8 (quantised at load; docs/PERFORMANCE.md).",
            defaultText: ServeSettings().precision.rawValue
        ) { settings, text in
            guard let p = PrecisionSetting(rawValue: text) else {
                throw SettingsError("'\(text)' is not auto, fp32 or int8")
            }
            settings.precision = p
        },
        Setting("threads", valueName: "n", help: "Compute threads.", defaultText: "one per core") { settings, text in
            guard let n = Int(text), (1...256).contains(n) else { throw SettingsError("'\(text)' is not 1...256") }
            settings.threads = n
        },
        .value(
            "max-batch-tokens", \.maxBatchTokens, "n", "Tokens per inference batch at most.", requirement: "≥ 16"
        ) { $0 >= 16 },
        .value(
            "max-wait-us", \.maxWaitUs, "µs",
            "Microseconds the oldest queued request waits for others to join its batch (0: batches form from what "
                + "queued while the model was busy; see docs/PERFORMANCE.md).", requirement: "≥ 0"
        ) { $0 >= 0 },
        .value(
            "max-queue", \.maxQueue, "n", "Sequences waiting for the model at most; beyond it 503 with Retry-After.",
            requirement: "≥ 1"
        ) { $0 >= 1 },
        .value(
            "max-connections", \.maxConnections, "n",
            "Open connections at most; at the cap a new one evicts the connection that has waited longest on its "
                + "client, or gets 503 when every connection is working.",
            requirement: "≥ 1"
        ) { $0 >= 1 },
        .value(
            "max-connections-per-client", \.maxConnectionsPerClient, "n",
            "Connections one client address may hold while more than half of max-connections are open; 0: no limit.",
            requirement: "≥ 0"
        ) { $0 >= 0 },
        .value("max-body-bytes", \.maxBodyBytes, "bytes", "Largest request body.", requirement: "≥ 1024") {
            $0 >= 1024
        },
        .value(
            "max-request-line-bytes", \.maxRequestLineBytes, "bytes", "Longest request line; beyond it 414.",
            requirement: "≥ 256"
        ) { $0 >= 256 },
        .value(
            "max-headers", \.maxHeaders, "n", "Most header fields per request; beyond it 431.", requirement: "≥ 8"
        ) { $0 >= 8 },
        .value(
            "max-header-bytes", \.maxHeaderBytes, "bytes", "Most bytes of all header lines together; beyond it 431.",
            requirement: "≥ 1024"
        ) { $0 >= 1024 },
        .value("max-texts", \.maxTexts, "n", "Texts per classification request at most.", requirement: "≥ 1") {
            $0 >= 1
        },
        .value(
            "state", \.state, "dir",
            "State folder holding moecl.sqlite (review queue, verdicts, registry, decisions); created if missing. "
                + "With database-url only copies of expert files live here."),
        .value(
            "keep-uploads", \.keepUploads, "n",
            "Uploaded expert files kept per task (threshold changes count as uploads); older ones are removed, so "
                + "at most n - 1 rollbacks remain.", requirement: "≥ 1"
        ) { $0 >= 1 },
        .value(
            "audit-rate", \.auditRate, "share", "Share of automatic decisions also queued for audit.",
            requirement: "0 to 1"
        ) { (0...1).contains($0) },
        .value(
            "sample-rate", \.sampleRate, "share",
            "Share of all texts queued for review whatever their decision, drawn at random: the unbiased sample "
                + "that self-evolution calibrates on and precision is estimated from. Claims hand these out first.",
            requirement: "0 to 1"
        ) { (0...1).contains($0) },
        Setting(
            "sample-seed", valueName: "n",
            help: "Seed of the draws that pick sampled and audited texts, so that the same traffic in the same order "
                + "samples the same texts (simulations); unset: unpredictable draws, as production wants.",
            defaultText: nil
        ) { settings, text in
            guard let seed = UInt64(text) else { throw SettingsError("'\(text)' is not a whole number 0...2^64 - 1") }
            settings.sampleSeed = seed
        },
        .choice(
            "claim-order", \.claimOrder,
            "The order review claims hand out items when a claim does not say: informative (smallest margin "
                + "between the top two scores first) or oldest."),
        .value(
            "evolve-every", \.evolveEvery, "n",
            "New verdicts of a task between automatic evolution runs, for tasks whose policy does not say "
                + "(PUT /v1/tasks/{task}/evolution); 0: runs start only on demand.",
            requirement: "≥ 0"
        ) { $0 >= 0 },
        .value(
            "train-threads", \.trainThreads, "n",
            "Compute threads of an evolution run, which trains in a process of its own at low priority.",
            requirement: "≥ 1"
        ) { $0 >= 1 },
        .text(
            "training-data", \.trainingData, "dir",
            "Folder where evolution runs look for the training file an expert records it was trained on (by its "
                + "path relative to the data root, e.g. moderation-en/<task>/train.jsonl), to train on it again beside "
                + "the verdicts; unset: only at the recorded absolute path. A file whose checksum changed is not used."),
        .value(
            "max-evolution-runs", \.maxEvolutionRuns, "n",
            "Evolution runs of all tasks active at once at most, across replicas; more are refused with 409 "
                + "until one finishes.", requirement: "≥ 1"
        ) { $0 >= 1 },
        .value(
            "review-max-wait", \.reviewMaxWait, "seconds",
            "Seconds after which a review item is handed out before fresher ones, whatever the order.",
            requirement: "> 0"
        ) { $0 > 0 },
        Setting(
            "token", valueName: "role:token",
            help: "A bearer token with its role (roles classify, review, admin); repeatable. Flags, MOECL_TOKENS "
                + "(comma-separated) and the config file's lines add up.",
            defaultText: nil, repeatable: true, environmentName: "MOECL_TOKENS"
        ) { settings, text in
            settings.tokens.append(text)
        },
        .text("tokens-file", \.tokensFile, "file", "A file of role:token lines (# comments)."),
        .value(
            "drain-seconds", \.drainSeconds, "seconds", "Seconds to finish in-flight requests after SIGTERM/SIGINT.",
            requirement: "≥ 0"
        ) { $0 >= 0 },
        .value(
            "header-timeout", \.headerTimeout, "seconds",
            "Seconds from a request's first byte until its headers are complete; then 408.",
            requirement: "> 0"
        ) { $0 > 0 },
        .value(
            "body-timeout", \.bodyTimeout, "seconds", "Seconds for a request body once its headers are in; then 408.",
            requirement: "> 0"
        ) { $0 > 0 },
        .value(
            "idle-timeout", \.idleTimeout, "seconds", "Seconds an idle keep-alive connection stays open.",
            requirement: "> 0"
        ) { $0 > 0 },
        .value(
            "decision-log-days", \.decisionLogDays, "days", "Days the raw decisions log is kept; 0 keeps none.",
            requirement: "≥ 0"
        ) { $0 >= 0 },
        .text("tls-cert", \.tlsCert, "pem", "TLS certificate chain (PEM); with tls-key the server speaks HTTPS only."),
        .text("tls-key", \.tlsKey, "pem", "TLS private key (PEM) of tls-cert."),
        .text(
            "database-url", \.databaseURL, "postgresql://user:password@host:5432/db",
            "PostgreSQL shared by several replicas (review queue, verdicts, counts, expert registry and files) instead "
                + "of the state folder's SQLite file."
        ) { url in
            guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
                throw SettingsError(
                    "it must be a PostgreSQL URL, postgresql://user:password@host:5432/database "
                        + "(got one starting '\(url.prefix(12))')")
            }
        },
        .value(
            "expert-sync-seconds", \.expertSyncSeconds, "seconds",
            "Seconds between checks for expert changes made by other replicas; 0 turns it off.", requirement: "≥ 0"
        ) { $0 >= 0 },
        .choice("log-level", \.logLevel, "Least severe log level written."),
        .choice("log-format", \.logFormat, "Log lines as text, or as JSON objects (one per line) for log shippers."),
    ]

    /// The table as help text: one entry per setting with its flag, variable and default.
    public static var helpText: String {
        table.map { s in
            let origin = s.defaultText.map { "default \($0); " } ?? ""
            return "  --\(s.name) <\(s.valueName)>\n      \(s.help) (\(origin)\(s.environmentName))"
        }.joined(separator: "\n")
    }

    /// The keys a config file may hold.
    public static var fileKeys: Set<String> { Set(table.map(\.name)) }

    /// Whether `text` is a dotted-quad IPv4 address (what the listening socket takes; `127.1` is not).
    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { p in
                (1...3).contains(p.count) && p.allSatisfy(\.isASCII) && p.allSatisfy(\.isNumber) && Int(p)! <= 255
            }
    }
}
