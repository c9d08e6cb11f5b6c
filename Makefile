# moecl: one-command set-up, build, tests and benchmarks. See README.md.
SHELL := /bin/bash
SWIFT ?= swift
CPU_FLAGS := $(shell scripts/swift-cpu-flags.sh)
RELEASE := -c release $(CPU_FLAGS)

.PHONY: setup build test lint fuzz conformance deploy-check serve loadtest bench-under-training simulate bench-encoder bench-int8 bench-service bench-decoder bench-moe bench-train bench-train-decoder results results-moderation results-bases results-mtl5 results-few-labels results-few-labels-unrelated results-dev-choices reference goldens onnx format clean

## setup: install missing Debian packages and fetch the base model (idempotent, offline when done)
setup:
	@scripts/setup.sh

## build: release build of moecl (its bench subcommand included); portable: its kernels pick their CPU path at start
build: setup
	$(SWIFT) build $(RELEASE)

## test: the format lint, the whole test suite (release build: the kernels are SIMD code), a fuzz smoke, then
## openapi.yaml against the binary (the conformance checker and schemathesis), the browser tests of /ui and
## /ui/review (headless Chromium), and the deployment checks
test: build lint
	$(SWIFT) build $(RELEASE) --build-tests
	$(SWIFT) test $(RELEASE) --skip-build
	scripts/fuzz/run.sh $(FUZZ_SMOKE_SECONDS)
	@scripts/conformance/install.sh
	python3 scripts/conformance/check_openapi.py
	scripts/schemathesis/run.sh
	@scripts/ui/install.sh
	python3 scripts/ui/browser_test.py
	@scripts/deploy/install.sh
	python3 scripts/deploy/validate.py

## deploy-check: Deploy/ manifests against the Kubernetes schemas (offline), policy checks, the Dockerfile lint
deploy-check: build
	@scripts/deploy/install.sh
	python3 scripts/deploy/validate.py

## conformance: openapi.yaml against the real binary: every operation, valid and invalid requests
conformance: build
	@scripts/conformance/install.sh
	python3 scripts/conformance/check_openapi.py

## serve: the moderation service on 127.0.0.1:8080 with the shipped experts, state in state/ (SERVE_FLAGS adds flags);
## evolution runs train also on the shipped experts' training files when ../shared/data holds them
serve: build
	.build/release/moecl serve $(if $(wildcard ../shared/data/moderation-en),--training-data ../shared/data) $(SERVE_FLAGS)

## loadtest: 64 connections for 30 s with hot-loads and rollbacks, then the engine alone (docs/PERFORMANCE.md)
loadtest: build
	@scripts/setup.sh --packages wrk
	python3 scripts/loadtest/loadtest.py $(LOADTEST_ARGS)

## bench-under-training: single-request latency and throughput while an evolution run trains, beside idle (docs/PERFORMANCE.md)
bench-under-training: build
	@scripts/setup.sh --packages wrk
	python3 scripts/loadtest/under_training.py $(UNDER_TRAINING_ARGS)

## simulate: self-evolution from a cold start against the real server (docs/RESULTS.md; SIM_TASK, SIM_FLAGS)
SIM_TASK ?= youtube-spam
simulate: build
	python3 scripts/simulate/simulate.py --task $(SIM_TASK) $(SIM_FLAGS)

## reference: install the Python reference packages (torch CPU wheel, tokenizers, onnxruntime, sentence-transformers)
reference:
	@scripts/reference/install.sh

## goldens: regenerate the committed test goldens from the Python reference
goldens: setup reference
	python3 scripts/reference/make_tokenizer_goldens.py
	python3 scripts/reference/make_encoder_goldens.py
	python3 scripts/reference/make_gguf_goldens.py
	python3 scripts/reference/make_bpe_goldens.py
	python3 scripts/reference/make_decoder_goldens.py
	python3 scripts/reference/make_tiny_llama.py

## onnx: export the base model to ONNX for the benchmark (git-ignored)
onnx: setup reference
	python3 scripts/reference/export_onnx.py

## bench-decoder: the Llama decoder (SmolLM2-135M, fp32) vs torch on the same GGUF, side by side (docs/PERFORMANCE.md)
bench-decoder: build reference
	python3 scripts/bench/decoder_bench.py $(BENCH_ARGS)

## bench-encoder: Swift encoder vs onnxruntime vs torch, side by side (see docs/PERFORMANCE.md)
bench-encoder: build onnx
	python3 scripts/bench/encoder_bench.py $(BENCH_ARGS)

## bench-service: moecl serve (fp32, int8) against FastAPI + onnxruntime (fp32, int8) with micro-batching, wrk at 1
## and 64 connections on the same request bodies (scripts/bench/service_bench.py; docs/PERFORMANCE.md)
bench-service: build onnx
	@scripts/setup.sh --packages wrk
	python3 -m pip install -q fastapi==0.165.0 uvicorn==0.55.0
	python3 scripts/bench/service_bench.py $(BENCH_ARGS)

## bench-int8: the int8 guard: accuracy, calibrated reject rate and embedding cosine of --precision int8 against fp32
## on every moderation-en test split with the shipped experts (INT8_SUITE and INT8_EXPERTS for another suite)
INT8_SUITE ?= ../shared/data/moderation-en
INT8_EXPERTS ?= experts/default
bench-int8: build
	python3 scripts/bench/int8_guard.py --suite $(INT8_SUITE) --experts $(INT8_EXPERTS) --out docs/results/int8-$(notdir $(INT8_SUITE)).md

## bench-moe: MoE-CL forward vs the bare encoder, expert loading time and memory with 1,000 experts
bench-moe: build reference
	python3 scripts/bench/moe_bench.py $(BENCH_ARGS)

## bench-train: one MoE-CL training step (forward, backward, AdamW) in moecl vs PyTorch, side by side
bench-train: build reference
	python3 scripts/bench/train_bench.py $(BENCH_ARGS)

## bench-train-decoder: the same training step on the Llama decoder (SmolLM2-135M, fp32; make setup fetches the GGUF)
bench-train-decoder: build reference
	python3 scripts/bench/train_bench.py --base smollm2 $(BENCH_ARGS)

## results: every method on both suites, then the reports in docs/results/ (hours on 2 cores; see docs/RESULTS.md)
results: results-moderation results-mtl5

SEED ?= 1
MODERATION_ORDER := youtube-spam,tweeteval-hate,sms-spam,clickbait,tweeteval-offensive
MTL5_ORDER := dbpedia,amazon,yahoo,agnews
# mtl5's texts are about 2.5× longer than moderation-en's: docs/RESULTS.md's mtl5 runs use one epoch per task
# (all methods alike) to fit the 2-core machine; MTL5_FLAGS= gives the default three.
MTL5_FLAGS ?= --epochs 1

results-moderation: build
	scripts/results/run_suite.sh ../shared/data/moderation-en $(MODERATION_ORDER) runs/moderation-en $(SEED)
	.build/release/moecl eval --runs runs/moderation-en --out docs/results/moderation-en --title "moderation-en (seed $(SEED))"

results-mtl5: build
	TRAIN_FLAGS="$(MTL5_FLAGS)" scripts/results/run_suite.sh ../shared/data/mtl5 $(MTL5_ORDER) runs/mtl5 $(SEED)
	.build/release/moecl eval --runs runs/mtl5 --out docs/results/mtl5 --title "mtl5 (seed $(SEED))"

## results-bases: MoE-CL and per-task LoRA on moderation-en with each base (MiniLM, SmolLM2-135M), same budget
## (subsampled splits, BASES_FLAGS; about 1 h on 2 cores); reports in docs/results/bases-*
LLM_GGUF := models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf
BASES_FLAGS ?= --train-limit 400 --eval-limit 200 --epochs 2 --evals-per-epoch 2
results-bases: build
	TRAIN_FLAGS="$(BASES_FLAGS)" scripts/results/run_suite.sh ../shared/data/moderation-en $(MODERATION_ORDER) runs/bases/minilm $(SEED) "moe-cl per-task"
	TRAIN_FLAGS="$(BASES_FLAGS) --model $(LLM_GGUF)" scripts/results/run_suite.sh ../shared/data/moderation-en $(MODERATION_ORDER) runs/bases/smollm2 $(SEED) "moe-cl per-task"
	.build/release/moecl eval --runs runs/bases/minilm --out docs/results/bases-minilm --title "moderation-en subsampled, all-MiniLM-L6-v2 (seed $(SEED))"
	.build/release/moecl eval --runs runs/bases/smollm2 --out docs/results/bases-smollm2 --title "moderation-en subsampled, SmolLM2-135M-Instruct (seed $(SEED))"
	python3 scripts/results/compare_bases.py runs/bases minilm smollm2 moe-cl per-task > docs/results/bases-comparison.md

## results-few-labels: a new task learned from few labels (issue 18): the last task of CURVE_ORDER from 100, 300,
## 1,000 and all training texts, after the earlier tasks (1,000 texts each), five methods, seeds 1-3, resumable
## across sessions (about 5 h on 2 cores in all); report with intervals over seeds and SVG curves in
## docs/results/curve-moderation
CURVE_ORDER ?= $(MODERATION_ORDER)
CURVE_SEEDS ?= 1,2,3
CURVE_SIZES ?= 100,300,1000,full
# Every task trains at least the 96 steps a 1,000-text task gets in 3 epochs (100 labels: 24 epochs).
CURVE_FLAGS ?= --min-steps 96
# The committed report's points carry over: runs/ is not kept, so a later session resumes where it ended.
CURVE_DONE = $(wildcard docs/results/curve-moderation/report.json)
results-few-labels: build
	DONE=$(CURVE_DONE) MOECL_BIN=.build/release/moecl TRAIN_FLAGS="$(CURVE_FLAGS)" scripts/results/learning_curve.sh ../shared/data/moderation-en $(CURVE_ORDER) runs/curve-moderation $(CURVE_SEEDS) $(CURVE_SIZES)
	.build/release/moecl eval --curve --runs runs/curve-moderation $(if $(CURVE_DONE),--curve-points $(CURVE_DONE)) --precisions 0.9,0.95 --out docs/results/curve-moderation --title "moderation-en: a new task from few labels"

## results-few-labels-unrelated: the same curve after unrelated tasks only (tweeteval-hate left out), the
## related/unrelated comparison of issue 18; report in docs/results/curve-moderation-unrelated
CURVE_UNRELATED_ORDER ?= youtube-spam,sms-spam,clickbait,tweeteval-offensive
CURVE_UNRELATED_DONE = $(wildcard docs/results/curve-moderation-unrelated/report.json)
# per-task and logreg learn the last task alone, the same runs as in results-few-labels (same task, seeds and
# labels), so only the methods that see the earlier tasks are trained again
CURVE_UNRELATED_METHODS ?= moe-cl moe-cl-no-adversarial sequential
results-few-labels-unrelated: build
	DONE=$(CURVE_UNRELATED_DONE) MOECL_BIN=.build/release/moecl TRAIN_FLAGS="$(CURVE_FLAGS)" scripts/results/learning_curve.sh ../shared/data/moderation-en $(CURVE_UNRELATED_ORDER) runs/curve-moderation-unrelated $(CURVE_SEEDS) $(CURVE_SIZES) "$(CURVE_UNRELATED_METHODS)"
	.build/release/moecl eval --curve --runs runs/curve-moderation-unrelated $(if $(CURVE_UNRELATED_DONE),--curve-points $(CURVE_UNRELATED_DONE)) --precisions 0.9,0.95 --out docs/results/curve-moderation-unrelated --title "moderation-en: a new task from few labels, after unrelated tasks"

## results-dev-choices: MoE-CL variants chosen on dev (issue 18, point 2): adversarial objective and λ, no adversary,
## LoRA rank, shared learning-rate factor; moderation-en, every training split subsampled to 1,000 texts, seeds 1-3;
## per-run summaries committed in docs/results/dev-choices/runs (a later session skips them), table in report.md
results-dev-choices: build
	MOECL_BIN=.build/release/moecl scripts/results/dev_choices.sh ../shared/data/moderation-en $(MODERATION_ORDER) docs/results/dev-choices $(CURVE_SEEDS)
	python3 scripts/results/dev_choices.py docs/results/dev-choices > docs/results/dev-choices/report.md

## format: rewrite the Swift sources with the toolchain's formatter (.swift-format); make lint checks them
format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift Fuzz/Package.swift Fuzz/Sources

FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 5

## fuzz: every libFuzzer target of Fuzz/ (AddressSanitizer) for FUZZ_SECONDS each; make test runs 5 s of each
fuzz: setup
	scripts/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## lint: swift format lint --strict (the toolchain's formatter, .swift-format): any finding fails
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift Fuzz/Package.swift Fuzz/Sources

clean:
	rm -rf .build
