#!/usr/bin/env python3
"""Adds to each task expert of a bundle the record of the file it was trained on (its `training` metadata's "data":
relative path, absolute path, SHA-256, examples), as `moecl train` now writes it, and updates the bundle's
manifest checksums. For bundles trained before the record existed whose training files are known and unchanged:
experts/default was trained by `moecl train --suite ../shared/data/moderation-en` (docs/RESULTS.md), so

    python3 scripts/results/record_training_sources.py experts/default ../shared/data/moderation-en

Only the metadata changes; tensors stay byte-identical. An expert that already records a source is left alone.
"""
import hashlib, json, os, struct, sys


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    bundle, suite = sys.argv[1], os.path.abspath(sys.argv[2])
    manifest_path = os.path.join(bundle, "manifest.json")
    manifest = json.load(open(manifest_path))
    for entry in manifest["tasks"]:
        path = os.path.join(bundle, entry["file"])
        raw = open(path, "rb").read()
        n = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        meta = header["__metadata__"]
        training = json.loads(meta["training"])
        if "data" in training:
            print(f"{entry['task']}: already records {training['data']['relative']}")
            continue
        train = os.path.join(suite, entry["task"], "train.jsonl")
        if not os.path.isfile(train):
            sys.exit(f"no {train}: the expert of {entry['task']} was trained on a file that is not there")
        examples = sum(1 for line in open(train, encoding="utf-8") if line.strip())
        training["data"] = {"relative": f"{os.path.basename(suite)}/{entry['task']}/train.jsonl", "path": train,
                            "sha256": sha256(train), "examples": examples}
        meta["training"] = json.dumps(training, sort_keys=True, separators=(",", ":"))
        encoded = json.dumps(header, separators=(",", ":")).encode()
        encoded += b" " * ((8 - len(encoded) % 8) % 8)
        out = struct.pack("<Q", len(encoded)) + encoded + raw[8 + n:]
        with open(path, "wb") as f:
            f.write(out)
        entry["sha256"] = hashlib.sha256(out).hexdigest()
        print(f"{entry['task']}: records {training['data']['relative']} ({examples} texts)")
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True, separators=(",", " : "))
        f.write("\n")


if __name__ == "__main__":
    main()
