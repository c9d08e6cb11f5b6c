// Running a batch through the snapshot: the base with MoE-CL feed-forwards, its readout, each sequence's head.

import Transformer

extension ExpertSnapshot {
    /// Final hidden states [N, d] of a batch whose sequence `s` runs through `experts[s]`.
    public func hiddenStates(_ batch: PackedBatch, experts: [TaskExpert], form: ForwardForm = .efficient) throws
        -> [Float]
    {
        try hiddenStates(batch, experts: experts, form: form, gateSums: nil)
    }

    func hiddenStates(_ batch: PackedBatch, experts: [TaskExpert], form: ForwardForm, gateSums: GateSums?) throws
        -> [Float]
    {
        precondition(experts.count == batch.count, "one expert per sequence")
        var index: [ObjectIdentifier: Int32] = [:]
        var distinct: [LoRAExpert] = []
        var expertOfSequence: [Int32] = []
        for task in experts {
            let key = ObjectIdentifier(task)
            if index[key] == nil {
                index[key] = Int32(distinct.count)
                distinct.append(task.expert)
            }
            expertOfSequence.append(index[key]!)
        }
        var expertOfRow = [Int32](repeating: 0, count: batch.tokenCount)
        for s in 0..<batch.count {
            for r in batch.offsets[s]..<batch.offsets[s + 1] { expertOfRow[r] = expertOfSequence[s] }
        }
        if distinct.isEmpty { distinct.append(shared.expert) }
        let feedForward: any FeedForward =
            switch (form, base.shape.activation) {
            case (.efficient, .gelu):
                MoEFeedForward(shared: shared, experts: distinct, expertOfRow: expertOfRow, gateSums: gateSums)
            case (.efficient, .swiGLU):
                GatedMoEFeedForward(shared: shared, experts: distinct, expertOfRow: expertOfRow, gateSums: gateSums)
            case (.reference, _): ReferenceFeedForward(shared: shared, experts: distinct, expertOfRow: expertOfRow)
            }
        return try base.backbone.hiddenStates(batch, feedForward: feedForward)
    }

    /// Scores of every sequence of `batch` under its task (`tasks[s]`); tasks may differ from one sequence to the next.
    /// - Throws: `ExpertError.unknownTask`, or `TransformerError` for bad token ids or lengths.
    public func classify(_ batch: PackedBatch, tasks names: [String], form: ForwardForm = .efficient) throws
        -> [TaskScores]
    {
        precondition(names.count == batch.count, "one task per sequence")
        let experts = try names.map { key in
            guard let expert = expert(forKey: key) else { throw ExpertError.unknownTask(task: key, known: taskNames) }
            return expert
        }
        let gateSums = form == .efficient ? GateSums(rows: batch.tokenCount) : nil
        let hidden = try hiddenStates(batch, experts: experts, form: form, gateSums: gateSums)
        let layers = base.shape.layers
        let pooled = base.backbone.readout(hidden, batch: batch)
        return experts.enumerated().map { s, expert in
            let rows = batch.offsets[s]..<batch.offsets[s + 1]
            var scores = TaskScores(
                task: expert.name, version: expert.version, labels: expert.labels,
                scores: expert.head.probabilities(pooled[s]))
            scores.sharedGateWeight = gateSums?.mean(rows: rows, layers: layers)
            scores.sceneScore = expert.sceneScore(pooled[s])
            return scores
        }
    }

    /// The readout vector of every sequence under its task's experts: what the task's head reads (its input).
    /// - Throws: `ExpertError.unknownTask`, or `TransformerError` for bad token ids or lengths.
    public func representations(sequences: [[Int32]], tasks names: [String]) throws -> [[Float]] {
        precondition(names.count == sequences.count, "one task per sequence")
        let experts = try names.map { key in
            guard let expert = expert(forKey: key) else { throw ExpertError.unknownTask(task: key, known: taskNames) }
            return expert
        }
        let batch = PackedBatch(sequences: sequences)
        return base.backbone.readout(try hiddenStates(batch, experts: experts), batch: batch)
    }

    /// Scores of plain id sequences (each with its special tokens) under their tasks.
    public func classify(sequences: [[Int32]], tasks: [String], form: ForwardForm = .efficient) throws -> [TaskScores] {
        try classify(PackedBatch(sequences: sequences), tasks: tasks, form: form)
    }
}
