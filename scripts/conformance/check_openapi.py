#!/usr/bin/env python3
"""Checks openapi.yaml against the real `moecl serve`.

Starts the release binary twice (no tokens; tokens with every role and a small connection cap), calls every
operation of the spec with valid requests (the spec's own examples where it has them) and with invalid ones,
and validates every response against the spec: its status must be declared for the operation, its content
type declared for that status, its body valid under the declared schema (JSON Schema 2020-12) and its
required headers present. Also checks the spec itself (schemas, examples, the router's routes) and that every
operation answered at least one 2xx. One line per check, a summary, exit status 1 on any failure.

    python3 scripts/conformance/check_openapi.py [--binary .build/release/moecl] [--spec openapi.yaml]

Needs PyYAML and jsonschema (scripts/conformance/install.sh).
"""

import argparse
import ctypes
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
TOKENS = {"admin": "admin-token-0123456789", "review": "review-token-0123456789",
          "classify": "classify-token-0123456789"}
STARTUP_SECONDS = 60
HEADER_TIMEOUT = 2  # the main server's --header-timeout, so the 408 check takes seconds, not 10
# The metric families the service's product description (service.md) names.
METRIC_FAMILIES = ["moecl_requests_total", "moecl_request_duration_seconds", "moecl_decisions_total", "moecl_reject_rate",
                   "moecl_batch_size", "moecl_inference_duration_seconds", "moecl_experts_loaded", "moecl_expert_loads_total",
                   "moecl_review_queue_depth", "moecl_gate_shared_weight"]


# ---------------------------------------------------------------------------------------------------- the spec

class Spec:
    """openapi.yaml with its Reference Objects resolved and a validator per schema."""

    def __init__(self, path):
        self.doc = yaml.safe_load(Path(path).read_text())
        self.paths = self.doc["paths"]
        self._validators = {}

    def deref(self, obj):
        """A non-schema Reference Object followed (summary/description beside $ref override the target's)."""
        while isinstance(obj, dict) and "$ref" in obj:
            target = self.pointer(obj["$ref"])
            extra = {k: v for k, v in obj.items() if k != "$ref"}
            obj = {**target, **extra}
        return obj

    def pointer(self, ref):
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node = self.doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def validator(self, schema):
        """A 2020-12 validator whose `#/components/...` references resolve inside this spec."""
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                    "components": self.doc.get("components", {}), "allOf": [schema]}
            self._validators[key] = Draft202012Validator(root)
        return self._validators[key]

    def errors(self, schema, value):
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in self.validator(schema).iter_errors(value)]

    def operations(self):
        for template, item in self.paths.items():
            for method in METHODS:
                if method in item:
                    yield method.upper(), template, item[method]

    def operation(self, method, template):
        return self.paths.get(template, {}).get(method.lower())

    def match(self, path):
        """The template of `path` (no query), literal segments preferred, like the server's router."""
        parts = path.split("/")
        best, best_literals = None, -1
        for template in self.paths:
            t = template.split("/")
            if len(t) != len(parts):
                continue
            literals, ok = 0, True
            for a, b in zip(t, parts):
                if a.startswith("{") and a.endswith("}"):
                    ok = ok and b != "" and percent_decodable(b)
                elif a == b:
                    literals += 1
                else:
                    ok = False
            if ok and literals > best_literals:
                best, best_literals = template, literals
        return best

    def request_schema(self, method, template, media="application/json"):
        op = self.operation(method, template)
        body = self.deref(op.get("requestBody")) if op else None
        return body["content"].get(media, {}).get("schema") if body else None

    def role(self, method, template):
        """The role an operation's security requirement names, or None for an open operation."""
        op = self.operation(method, template)
        security = op.get("security", self.doc.get("security", []))
        for requirement in security:
            for roles in requirement.values():
                return roles[0] if roles else None
        return None


# --------------------------------------------------------------------------------------------- HTTP helpers

class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    @property
    def media(self):
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self):
        return json.loads(self.body)


class Server:
    """One `moecl serve` on a free port with a temporary state folder; stop() always kills it."""

    def __init__(self, binary, extra_args=()):
        self.state = tempfile.mkdtemp(prefix="moecl-conformance-")
        self.log = open(os.path.join(self.state, "stderr.log"), "w+")
        args = [binary, "serve", "--port", "0", "--state", self.state, "--threads", "1", *extra_args]
        self.process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        preexec_fn=die_with_parent)
        self.port = None
        self.connection = None
        self.drain = None

    def wait_listening(self):
        watchdog = threading.Timer(STARTUP_SECONDS, self.process.kill)  # never wait forever for the first line
        watchdog.start()
        line = self.process.stderr.readline()  # the first line says where it listens
        watchdog.cancel()
        self.log.write(line)
        match = re.search(r"listening on http://[\d.]+:(\d+)", line)
        if not match:
            rest = self.process.stderr.read() if self.process.poll() is not None else ""
            raise RuntimeError(f"moecl serve did not start: {line.strip()} {rest.strip()}")
        self.port = int(match.group(1))
        # Keep draining stderr so the server never blocks on a full pipe.
        self.drain = threading.Thread(target=shutil.copyfileobj, args=(self.process.stderr, self.log), daemon=True)
        self.drain.start()

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                reply = Reply(response.status, response.getheaders(), response.read())
            except (ConnectionError, http.client.HTTPException):
                self.close_connection()
                if attempt == 1:
                    raise
                continue
            if reply.headers.get("connection", "").lower() == "close":
                self.close_connection()
            return reply

    def raw(self, data, timeout=5.0):
        """Sends raw bytes on a new connection and reads the reply until the server closes it."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            if data:
                s.sendall(data)
            return read_raw_reply(s)

    def close_connection(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def stop(self):
        self.close_connection()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.drain:
            self.drain.join(5)
        self.log.close()
        shutil.rmtree(self.state, ignore_errors=True)


def die_with_parent():
    """In the server's process before exec: SIGKILL it when this checker dies, however it dies (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def read_raw_reply(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if ":" in line]
    length = int(dict((k.lower(), v) for k, v in headers).get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Reply(status, headers, body)


# ------------------------------------------------------------------------------------------------- checking

class Checker:
    def __init__(self, spec):
        self.spec = spec
        self.passed = self.failed = self.xfailed = 0
        self.xpassed = []
        self.answered_2xx = set()

    def report(self, ok, name, detail="", known_bug=None):
        if known_bug and not ok:
            self.xfailed += 1
            print(f"XFAIL {name}  (known server bug: {known_bug})")
        elif known_bug:
            self.xpassed.append(name)
            self.passed += 1
            print(f"XPASS {name}  (fixed? '{known_bug}' no longer shows)")
        elif ok:
            self.passed += 1
            print(f"PASS  {name}")
        else:
            self.failed += 1
            print(f"FAIL  {name}: {detail}")
        return ok

    def call(self, server, method, path, body=None, *, expect=None, code=None, headers=None, name=None,
             known_bug=None, media="application/json"):
        """One request, its reply validated against the spec; `expect` and `code` pin the status and error code."""
        headers = dict(headers or {})
        raw = body
        if isinstance(body, (dict, list)):
            raw = json.dumps(body).encode()
            headers.setdefault("Content-Type", media)
        elif isinstance(body, str):
            raw = body.encode()
            headers.setdefault("Content-Type", media)
        reply = server.request(method, path, raw, headers)
        label = name or f"{method} {path[:70]}"
        problems = self.conformance(method, path, reply)
        if expect is not None and reply.status != expect:
            problems.append(f"status {reply.status}, expected {expect}")
        if code is not None and reply.status >= 400:
            got = error_code(reply)
            if got != code:
                problems.append(f"error code {got!r}, expected {code!r}")
        problems += self.request_vs_reply(method, path, body, reply)
        template = self.spec.match(path.split("?")[0])
        if not problems and 200 <= reply.status < 300 and template and self.spec.operation(method, template):
            self.answered_2xx.add((method, template))
        detail = "; ".join(problems) + f" [body: {reply.body[:300]!r}]" if problems else ""
        self.report(not problems, f"{label} -> {reply.status}", detail, known_bug)
        return reply

    def request_vs_reply(self, method, path, body, reply):
        """A JSON body the spec's request schema rejects must not be accepted (2xx)."""
        template = self.spec.match(path.split("?")[0])
        schema = template and self.spec.operation(method, template) and self.spec.request_schema(method, template)
        if not isinstance(body, dict) or not schema or not 200 <= reply.status < 300:
            return []
        errors = self.spec.errors(schema, body)
        return [f"server accepted a body the spec rejects ({errors[0]})"] if errors else []

    def conformance(self, method, path, reply, head=False):
        """Why `reply` does not conform to the spec's description of `method path`, or []."""
        template = self.spec.match(path.split("?")[0])
        components = self.spec.doc["components"]["responses"]
        if template is None:
            declared = {"404": components["NotFound"]}
        elif self.spec.operation(method, template) is None:
            if method == "HEAD" and self.spec.operation("GET", template):
                return self.conformance("GET", path, reply, head=True)
            declared = {"405": components["MethodNotAllowed"]}
        else:
            declared = self.spec.operation(method, template)["responses"]
        response = declared.get(str(reply.status))
        if response is None:
            return [f"status {reply.status} is not declared for {method} {template or path}"]
        response = self.spec.deref(response)
        problems = []
        for name, header in response.get("headers", {}).items():
            header = self.spec.deref(header)
            value = reply.headers.get(name.lower())
            if value is None:
                if header.get("required"):
                    problems.append(f"missing header {name}")
            elif "schema" in header:
                problems += [f"header {name}: {e}" for e in self.spec.errors(header["schema"], value)]
        content = response.get("content", {})
        if head:
            return problems + (["HEAD reply has a body"] if reply.body else [])
        if not content:
            return problems + (["undeclared body"] if reply.body else [])
        if reply.media not in content:
            return problems + [f"content type {reply.media!r} not declared (declared: {', '.join(content)})"]
        body = reply.body
        if reply.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        schema = content[reply.media].get("schema", {})
        if reply.media == "application/json" or reply.media.endswith("+json"):
            try:
                value = json.loads(body)
            except ValueError as e:
                return problems + [f"body is not JSON: {e}"]
        else:
            value = body.decode("utf-8")
        return problems + self.spec.errors(schema, value)


def percent_decodable(segment):
    """Whether a path segment's %XX escapes are all valid and decode to UTF-8 (else the router does not match)."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", segment):
        return False
    try:
        urllib.parse.unquote_to_bytes(segment).decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def error_code(reply):
    try:
        return reply.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def example_values(spec, method, template, media="application/json"):
    """The named example values of an operation's request body."""
    op = spec.operation(method, template)
    content = spec.deref(op["requestBody"])["content"][media]
    examples = {name: spec.deref(e) for name, e in content.get("examples", {}).items()}
    if "example" in content:
        examples["example"] = {"value": content["example"]}
    return examples


# ---------------------------------------------------------------------------------------- static spec checks

def check_spec(c, spec):
    doc = spec.doc
    c.report(doc.get("openapi", "").startswith("3.1"), "spec: openapi is 3.1.x", f"got {doc.get('openapi')}")
    schemas = doc["components"]["schemas"]
    bad = []
    for name, schema in schemas.items():
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as e:
            bad.append(f"{name}: {e}")
    c.report(not bad, f"spec: the {len(schemas)} component schemas are valid JSON Schema 2020-12", "; ".join(bad))
    refs, unresolved = list(all_refs(doc)), []
    for ref in refs:
        try:
            spec.pointer(ref)
        except (KeyError, TypeError, ValueError):
            unresolved.append(ref)
    c.report(not unresolved, f"spec: all {len(refs)} $refs resolve", ", ".join(unresolved))
    for method, template, op in spec.operations():
        where = f"spec: {method} {template}"
        problems = []
        if "operationId" not in op:
            problems.append("no operationId")
        if not any(s.startswith("2") for s in op["responses"]):
            problems.append("no 2xx response")
        for status in op["responses"]:
            if not re.fullmatch(r"[1-5][0-9][0-9]", status):
                problems.append(f"response {status} is not one status code (ranges and default hide undeclared ones)")
        declared = {p["name"] for p in map(spec.deref, doc["paths"][template].get("parameters", []) + op.get("parameters", []))
                    if p["in"] == "path"}
        if declared != set(re.findall(r"{(\w+)}", template)):
            problems.append(f"path parameters {sorted(declared)} do not match the template")
        if "requestBody" in op:
            for media, content in spec.deref(op["requestBody"])["content"].items():
                examples = {n: spec.deref(e) for n, e in content.get("examples", {}).items()}
                if not examples and "example" not in content:
                    problems.append(f"request body {media} has no example")
                for n, e in examples.items():
                    if "value" in e:
                        problems += [f"example {n}: {x}" for x in spec.errors(content.get("schema", {}), e["value"])]
                    elif not (ROOT / e.get("externalValue", "")).is_file():
                        problems.append(f"example {n}: externalValue {e.get('externalValue')} is not a file")
        c.report(not problems, f"{where}: well formed, examples valid", "; ".join(problems))
    # The route table's routes, read from the source, must be exactly the spec's operations.
    source = ROOT / "Sources/ModerationService/ModerationService+Routes.swift"
    if source.is_file():
        routes = set(re.findall(r'Route\(\s*"(\w+)",\s*"([^"]+)"', source.read_text()))
        ops = {(m, t) for m, t, _ in spec.operations()}
        c.report(routes == ops, f"spec: the {len(ops)} operations are the router's {len(routes)} routes",
                 f"only in the router: {sorted(routes - ops)}; only in the spec: {sorted(ops - routes)}")


# ------------------------------------------------------------------------------------------------ scenarios

def wait_ready(c, s):
    deadline = time.monotonic() + STARTUP_SECONDS
    reply = c.call(s, "GET", "/readyz", name="GET /readyz right after start (200, or 503 while the probe runs)")
    while reply.status != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
        reply = s.request("GET", "/readyz")
    c.call(s, "GET", "/readyz", expect=200, name="GET /readyz once the probe passed")


def operations_checks(c, s):
    c.call(s, "GET", "/healthz", expect=200)
    reply = s.request("HEAD", "/healthz")
    c.report(reply.status == 200 and not c.conformance("HEAD", "/healthz", reply), "HEAD /healthz -> 200, no body",
             f"status {reply.status}, body {reply.body[:80]!r}")
    for page in ("/ui", "/ui/review"):
        reply = c.call(s, "GET", page, expect=200)
        csp = reply.headers.get("content-security-policy", "")
        c.report("default-src 'none'" in csp and "connect-src 'self'" in csp,
                 f"  GET {page} allows nothing from elsewhere (Content-Security-Policy)", csp or "no header")
    reply = c.call(s, "GET", "/metrics", expect=200)
    families = set(re.findall(r"^# TYPE (\w+) ", reply.body.decode(), re.M))
    for family in METRIC_FAMILIES:
        c.report(family in families, f"  /metrics has {family} (service.md names it)", "missing")
    reply = c.call(s, "GET", "/metrics", headers={"Accept-Encoding": "gzip"}, expect=200, name="GET /metrics gzip")
    c.report(reply.headers.get("content-encoding") == "gzip", "GET /metrics with Accept-Encoding: gzip is gzip-encoded",
             f"Content-Encoding {reply.headers.get('content-encoding')}")


def classify_checks(c, s, tasks):
    for name, example in example_values(c.spec, "POST", "/v1/classify").items():
        reply = c.call(s, "POST", "/v1/classify", example["value"], expect=200, name=f"POST /v1/classify example '{name}'")
        if reply.status == 200:
            body, value = reply.json(), example["value"]
            n_texts = len(value.get("texts", [value.get("text")]))
            n_tasks = len(tasks) if value.get("task") == "*" else len(value.get("tasks", [value.get("task")]))
            results = body["results"]
            sums_ok = all(abs(sum(r["scores"].values()) - 1) < 1e-4 and r["scores"][r["label"]] == max(r["scores"].values())
                          for r in results)
            c.report(len(results) == n_texts * n_tasks and sums_ok,
                     f"  example '{name}': {n_texts}×{n_tasks} results, scores sum to 1, label is the top score",
                     f"{len(results)} results")
    reply = c.call(s, "POST", "/v1/classify", {"task": "sms-spam", "text": "hi"}, headers={"X-Request-Id": "conformance-1"},
                   expect=200, name="POST /v1/classify with X-Request-Id")
    c.report(reply.status == 200 and reply.json()["request_id"] == "conformance-1", "  request_id echoes X-Request-Id")
    reply = c.call(s, "POST", "/v1/classify", {"task": "sms-spam", "text": "spam " * 1000}, expect=200, name="POST /v1/classify long text")
    c.report(reply.status == 200 and reply.json()["results"][0]["truncated"] is True, "  a text over the window says truncated")
    c.call(s, "POST", "/v1/classify", '{"task": "sms-spam", "text": "hi"}', media="application/x-www-form-urlencoded",
           expect=200, name="POST /v1/classify as curl -d sends it")
    bad = [
        ('{"task": "sms-spam", "text": ', 400, "invalid_json", "invalid JSON"),
        ("", 400, "invalid_json", "empty body"),
        ([{"task": "sms-spam", "text": "hi"}], 400, "invalid_json", "a JSON array"),
        (b'{"task": "sms-spam", "text": "\xff\xfe"}', 400, "invalid_utf8", "invalid UTF-8"),
        ({"task": "no-such-task", "text": "hi"}, 404, "unknown_task", "unknown task"),
        ({"tasks": ["sms-spam", "no-such-task"], "text": "hi"}, 404, "unknown_task", "unknown task in tasks"),
        ({"task": "sms-spam"}, 422, "validation_failed", "missing text"),
        ({"text": "hi"}, 422, "validation_failed", "missing task"),
        ({"task": "sms-spam", "text": 5}, 422, "validation_failed", "text is a number"),
        ({"task": 5, "text": "hi"}, 422, "validation_failed", "task is a number"),
        ({"task": "sms-spam", "text": "a", "texts": ["b"]}, 422, "validation_failed", "text and texts"),
        ({"task": "sms-spam", "texts": []}, 422, "validation_failed", "empty texts"),
        ({"task": "sms-spam", "texts": ["a", 1]}, 422, "validation_failed", "texts with a number"),
        ({"task": "sms-spam", "texts": ["a"] * 65}, 422, "validation_failed", "65 texts"),
        ({"task": "sms-spam", "text": "a" * 20001}, 422, "validation_failed", "20001 characters"),
        ({"tasks": ["sms-spam", "sms-spam"], "text": "hi"}, 422, "validation_failed", "duplicate tasks"),
        ({"tasks": [], "text": "hi"}, 422, "validation_failed", "empty tasks"),
        ({"tasks": ["sms-spam", "clickbait"], "texts": ["a", "b"]}, 422, "validation_failed", "several texts × several tasks"),
    ]
    for body, status, code, why in bad:
        headers = {"Content-Type": "application/json"} if isinstance(body, bytes) else None
        c.call(s, "POST", "/v1/classify", body, headers=headers, expect=status, code=code, name=f"POST /v1/classify {why}")
    c.call(s, "POST", "/v1/classify", b'{"task": "sms-spam", "text": "hi"}', headers={"Content-Type": "text/plain"},
           expect=415, code="unsupported_media_type", name="POST /v1/classify as text/plain")
    reply = c.call(s, "GET", "/v1/classify", expect=405, code="method_not_allowed")
    c.report(reply.headers.get("allow") == "POST", "  405 says Allow: POST", f"Allow: {reply.headers.get('allow')}")


def moderations_checks(c, s, moderation_tasks):
    for name, example in example_values(c.spec, "POST", "/v1/moderations").items():
        reply = c.call(s, "POST", "/v1/moderations", example["value"], expect=200, name=f"POST /v1/moderations example '{name}'")
        if reply.status == 200:
            value, body = example["value"], reply.json()
            inputs = value["input"] if isinstance(value["input"], list) else [value["input"]]
            wanted = set(value.get("tasks", moderation_tasks))
            ok = len(body["results"]) == len(inputs) and all(
                set(r["categories"]) == wanted and r["flagged"] == any(r["categories"].values()) for r in body["results"])
            c.report(ok, f"  example '{name}': one result per input, one category per task, flagged = any category")
    bad = [
        ({}, 422, "validation_failed", "missing input", None),
        ({"input": 5}, 422, "validation_failed", "input is a number", None),
        ({"input": []}, 422, "validation_failed", "empty input", None),
        ({"input": ["a", 2]}, 422, "validation_failed", "input with a number", None),
        ({"input": "hi", "tasks": ["no-such-task"]}, 404, "unknown_task", "unknown task", None),
        ({"input": "hi", "tasks": []}, 422, "validation_failed", "empty tasks", None),
        ("[", 400, "invalid_json", "invalid JSON", None),
        ({"input": "hi", "tasks": "sms-spam"}, 422, "validation_failed", "tasks is a string", None),
    ]
    for body, status, code, why, bug in bad:
        c.call(s, "POST", "/v1/moderations", body, expect=status, code=code, name=f"POST /v1/moderations {why}", known_bug=bug)


def thresholds_checks(c, s):
    for name, example in example_values(c.spec, "PUT", "/v1/tasks/{task}/thresholds").items():
        reply = c.call(s, "PUT", "/v1/tasks/sms-spam/thresholds", example["value"], expect=200,
                       name=f"PUT /v1/tasks/sms-spam/thresholds example '{name}'")
        if reply.status == 200:
            c.report(reply.json()["calibration"]["thresholds"] == example["value"]["thresholds"], "  the thresholds are the posted ones")
    experts = {t["task"]: t for t in s_json(s, "GET", "/v1/experts")["tasks"]}
    c.report(experts["sms-spam"].get("calibration", {}).get("thresholds") == {"compliant": 0.6, "violating": 0.55},
             "  GET /v1/experts shows the new thresholds", str(experts["sms-spam"].get("calibration")))
    bad = [
        ("no-such-task", {"thresholds": {"violating": 0.5}}, 404, "unknown_task", "unknown task", None),
        ("sms-spam", {}, 422, "validation_failed", "missing thresholds", None),
        ("sms-spam", {"thresholds": {}}, 422, "validation_failed", "empty thresholds", None),
        ("sms-spam", {"thresholds": {"no-such-label": 0.5}}, 422, "validation_failed", "unknown label", None),
        ("sms-spam", {"thresholds": {"violating": 1.5}}, 422, "validation_failed", "threshold 1.5", None),
        ("sms-spam", {"thresholds": {"violating": "high"}}, 422, "validation_failed", "threshold a string", None),
        ("sms-spam", {"thresholds": {"violating": 0.5}, "target_precision": 5}, 422, "validation_failed",
         "target_precision 5", None),
        ("sms-spam", "{", 400, "invalid_json", "invalid JSON", None),
        ("sms-spam", {"thresholds": {"violating": True}}, 422, "validation_failed", "threshold true", None),
    ]
    for task, body, status, code, why, bug in bad:
        c.call(s, "PUT", f"/v1/tasks/{task}/thresholds", body, expect=status, code=code,
               name=f"PUT /v1/tasks/{task}/thresholds {why}", known_bug=bug)


def scene_guard_checks(c, s):
    """The shipped experts carry scene detectors, guards off: switched on, an insult sent to the clickbait task
    goes to review as out of scene; switched off again, it is decided as before."""
    text = {"task": "clickbait", "text": "you are a worthless idiot"}
    before = c.call(s, "POST", "/v1/classify", text, expect=200, name="POST /v1/classify clickbait, guard off")
    scene = before.json()["results"][0].get("scene", {})
    c.report(scene.get("enabled") is False and scene.get("in_scene") is False,
             "  the shipped clickbait expert reports the insult out of scene, guard off", str(scene))
    for name, example in example_values(c.spec, "PUT", "/v1/tasks/{task}/scene-guard").items():
        c.call(s, "PUT", "/v1/tasks/clickbait/scene-guard", example["value"], expect=200,
               name=f"PUT /v1/tasks/clickbait/scene-guard example '{name}'")
    c.call(s, "PUT", "/v1/tasks/clickbait/scene-guard", {"enabled": True}, expect=200,
           name="PUT /v1/tasks/clickbait/scene-guard on at the fitted threshold")
    guarded = c.call(s, "POST", "/v1/classify", text, expect=200, name="POST /v1/classify clickbait, guard on")
    result = guarded.json()["results"][0]
    c.report(result["decision"] == "review" and result["scene"]["enabled"] is True,
             "  with the guard on the out-of-scene text goes to review", str(result))
    c.call(s, "PUT", "/v1/tasks/clickbait/scene-guard", {"enabled": False}, expect=200,
           name="PUT /v1/tasks/clickbait/scene-guard off")
    for task, body, status, code, why in [
        ("no-such-task", {"enabled": True}, 404, "unknown_task", "unknown task"),
        ("sms-spam", {}, 422, "validation_failed", "missing enabled"),
        ("sms-spam", {"enabled": "yes"}, 422, "validation_failed", "enabled a string"),
        ("sms-spam", {"enabled": True, "threshold": 1.5}, 422, "validation_failed", "threshold 1.5"),
    ]:
        c.call(s, "PUT", f"/v1/tasks/{task}/scene-guard", body, expect=status, code=code,
               name=f"PUT /v1/tasks/{task}/scene-guard {why}")


def review_checks(c, s):
    """Everything of clickbait goes to review; claim, verdicts, queue stats, then calibrate on the verdicts."""
    c.call(s, "PUT", "/v1/tasks/clickbait/thresholds", {"thresholds": {"compliant": 1.0, "violating": 1.0}}, expect=200,
           name="PUT /v1/tasks/clickbait/thresholds (everything to review)")
    batch = example_values(c.spec, "POST", "/v1/classify")["batch"]["value"]
    reply = c.call(s, "POST", "/v1/classify", batch, expect=200, name="POST /v1/classify clickbait batch for review")
    results = reply.json()["results"] if reply.status == 200 else []
    c.report(results and all(r["decision"] == "review" and "review_id" in r for r in results),
             "  every result is decided review and carries review_id")
    claim = example_values(c.spec, "POST", "/v1/review/claim")["claim"]["value"]
    reply = c.call(s, "POST", "/v1/review/claim", claim, expect=200, name="POST /v1/review/claim example 'claim'")
    items = reply.json()["items"] if reply.status == 200 else []
    c.report(len(items) >= len(results) and all("lease_expires_at" in i for i in items),
             f"  the claim leased the queued items", f"{len(items)} items for {len(results)} queued")
    c.call(s, "POST", "/v1/review/claim", b"", expect=200, name="POST /v1/review/claim without a body")
    c.call(s, "POST", "/v1/review/claim", {"limit": True}, expect=422, code="validation_failed",
           name="POST /v1/review/claim limit true")
    for body, why in [({"limit": 0}, "limit 0"), ({"limit": 101}, "limit 101"), ({"limit": "5"}, "limit a string"),
                      ({"limit": 2.5}, "limit 2.5"), ({"lease_seconds": 0}, "lease_seconds 0"),
                      ({"lease_seconds": 86401}, "lease_seconds 86401"), ({"task": 5}, "task a number")]:
        c.call(s, "POST", "/v1/review/claim", body, expect=422, code="validation_failed", name=f"POST /v1/review/claim {why}")
    c.call(s, "POST", "/v1/review/claim", "{", expect=400, code="invalid_json", name="POST /v1/review/claim invalid JSON")
    if not items:
        c.report(False, "review items to post verdicts on", "none claimed")
        return
    item = items[0]
    reply = c.call(s, "POST", f"/v1/review/{item['id']}/explain", expect=200, name="POST /v1/review/{id}/explain")
    spans = reply.json().get("explanation", {}).get("spans", []) if reply.status == 200 else []
    c.report(len(spans) == len(item["text"].split()) or len(spans) == 32,
             "  the item's explanation has one span per word", f"{len(spans)} spans for {item['text']!r}")
    c.call(s, "POST", "/v1/review/999999/explain", expect=404, code="not_found")
    verdict = example_values(c.spec, "POST", "/v1/review/{id}/verdict")["verdict"]["value"]
    other = next(l for l in item["labels"] if l != verdict["label"])
    path = f"/v1/review/{item['id']}/verdict"
    c.call(s, "POST", path, verdict, expect=201, name=f"POST {path} example 'verdict'")
    c.call(s, "POST", path, verdict, expect=200, name=f"POST {path} same label again")
    c.call(s, "POST", path, {"label": other}, expect=409, code="verdict_conflict", name=f"POST {path} another label")
    c.call(s, "POST", f"/v1/review/{items[-1]['id']}/verdict", {"label": "no-such-label"}, expect=422, code="validation_failed",
           name="POST /v1/review/{id}/verdict unknown label")
    c.call(s, "POST", path, {}, expect=422, code="validation_failed", name="POST /v1/review/{id}/verdict missing label")
    c.call(s, "POST", path, {"label": 1}, expect=422, code="validation_failed", name="POST /v1/review/{id}/verdict label a number")
    c.call(s, "POST", path, "{", expect=400, code="invalid_json", name="POST /v1/review/{id}/verdict invalid JSON")
    c.call(s, "POST", "/v1/review/999999/verdict", verdict, expect=404, code="not_found")
    c.call(s, "POST", "/v1/review/abc/verdict", verdict, expect=404, code="not_found")
    reply = c.call(s, "GET", "/v1/review/stats", expect=200)
    queues = reply.json()["queues"] if reply.status == 200 else []
    # Both kinds: a sampled audit item from an earlier check (default sample rate) is claimed first.
    mine = [q for q in queues if q["task"] == "clickbait"]
    c.report(mine and sum(q["decided"] for q in mine) == 1 and sum(q["leased"] for q in mine) == len(items) - 1,
             "  review stats: clickbait has 1 decided item, the rest leased", str(mine))
    # Calibrate clickbait on that verdict, then sms-spam on the posted samples.
    for name, example in example_values(c.spec, "POST", "/v1/tasks/{task}/calibrate").items():
        task = "clickbait" if "samples" not in example["value"] else "sms-spam"
        reply = c.call(s, "POST", f"/v1/tasks/{task}/calibrate", example["value"], expect=200,
                       name=f"POST /v1/tasks/{task}/calibrate example '{name}'")
        if reply.status == 200:
            expected = len(example["value"].get("samples", [])) or 1
            c.report(reply.json()["calibration"].get("samples") == expected, f"  calibrated on {expected} samples",
                     str(reply.json()["calibration"]))
    bad = [
        ("sms-spam", {"target_precision": 0}, 422, "validation_failed", "target_precision 0"),
        ("sms-spam", {"target_precision": 1.5}, 422, "validation_failed", "target_precision 1.5"),
        ("sms-spam", {"samples": []}, 422, "validation_failed", "empty samples"),
        ("sms-spam", {"samples": "x"}, 422, "validation_failed", "samples a string"),
        ("sms-spam", {"samples": [{"text": "hi", "label": "no-such-label"}]}, 422, "validation_failed", "sample with an unknown label"),
        ("sms-spam", {"samples": [{"label": "compliant"}]}, 422, "validation_failed", "sample without text"),
        ("youtube-spam", {}, 422, "validation_failed", "no samples and no verdicts"),
        ("no-such-task", {}, 404, "unknown_task", "unknown task"),
        ("sms-spam", "", 400, "invalid_json", "empty body"),
    ]
    for task, body, status, code, why in bad:
        c.call(s, "POST", f"/v1/tasks/{task}/calibrate", body, expect=status, code=code,
               name=f"POST /v1/tasks/{task}/calibrate {why}")
    samples = example_values(c.spec, "POST", "/v1/tasks/{task}/calibrate")["samples"]["value"]["samples"]
    c.call(s, "POST", "/v1/tasks/sms-spam/calibrate", {"samples": samples, "target_precision": "high"}, expect=422, code="validation_failed", name="POST /v1/tasks/sms-spam/calibrate target_precision a string")


def evolution_checks(c, s):
    """A task from nothing: created, its policy set, a run started (too few verdicts: rejected with a reason)."""
    for name, example in example_values(c.spec, "POST", "/v1/tasks").items():
        c.call(s, "POST", "/v1/tasks", example["value"], expect=201, name=f"POST /v1/tasks example '{name}'")
        c.call(s, "POST", "/v1/tasks", example["value"], expect=409, code="conflict",
               name=f"POST /v1/tasks example '{name}' again")
    task = example_values(c.spec, "POST", "/v1/tasks")["moderation"]["value"]["task"]
    c.call(s, "POST", "/v1/tasks", {"task": "x", "labels": ["only"]}, expect=422, code="validation_failed",
           name="POST /v1/tasks one label")
    for name, example in example_values(c.spec, "PUT", "/v1/tasks/{task}/evolution").items():
        c.call(s, "PUT", f"/v1/tasks/{task}/evolution", example["value"], expect=200,
               name=f"PUT /v1/tasks/{task}/evolution example '{name}'")
    c.call(s, "PUT", f"/v1/tasks/{task}/evolution", {"every": 0}, expect=422, code="validation_failed",
           name=f"PUT /v1/tasks/{task}/evolution every 0")
    for name, example in example_values(c.spec, "POST", "/v1/tasks/{task}/evolve").items():
        c.call(s, "POST", f"/v1/tasks/{task}/evolve", example["value"], expect=202,
               name=f"POST /v1/tasks/{task}/evolve example '{name}'")
    c.call(s, "POST", "/v1/tasks/no-such-task/evolve", {}, expect=404, code="unknown_task")
    deadline, body = time.monotonic() + 60, {}
    while time.monotonic() < deadline:
        body = s_json(s, "GET", f"/v1/tasks/{task}/evolution")
        if body.get("runs") and "current" not in body:
            break
        time.sleep(0.2)
    reply = c.call(s, "GET", f"/v1/tasks/{task}/evolution", expect=200)
    runs = reply.json().get("runs", []) if reply.status == 200 else []
    c.report(bool(runs) and runs[0]["status"] == "rejected" and "needs" in " ".join(runs[0]["reasons"]),
             "  a run without enough verdicts is rejected, saying how many it needs", str(runs[:1])[:300])


def policy_checks(c, s):
    """A policy list: the example stored, a matching text decided black without the model, bad lists refused, a
    lost update refused, the history, then the list cleared so later checks see the model's decisions."""
    task = "sms-spam"
    c.call(s, "GET", f"/v1/tasks/{task}/policy", expect=200, name=f"GET /v1/tasks/{task}/policy (none yet)")
    version = 0
    for name, example in example_values(c.spec, "PUT", "/v1/tasks/{task}/policy").items():
        reply = c.call(s, "PUT", f"/v1/tasks/{task}/policy", example["value"], expect=200,
                       name=f"PUT /v1/tasks/{task}/policy example '{name}'")
        version = reply.json().get("version", 0) if reply.status == 200 else version
    reply = c.call(s, "POST", "/v1/classify", {"task": task, "text": "get FREE m o n e y now"}, expect=200,
                   name="POST /v1/classify a policy hit")
    result = reply.json()["results"][0] if reply.status == 200 else {}
    c.report(result.get("decision") == "black" and result.get("policy", {}).get("value") == "free money",
             "  a policy list entry decides before the model and says which entry", str(result)[:300])
    c.call(s, "PUT", f"/v1/tasks/{task}/policy", {"entries": [{"value": "x", "action": "delete"}]}, expect=422,
           code="validation_failed", name=f"PUT /v1/tasks/{task}/policy a bad action")
    c.call(s, "PUT", f"/v1/tasks/{task}/policy", {"entries": [], "expected_version": version + 5}, expect=409,
           code="conflict", name=f"PUT /v1/tasks/{task}/policy a stale expected_version")
    c.call(s, "GET", f"/v1/tasks/{task}/policy/history", expect=200)
    c.call(s, "PUT", f"/v1/tasks/{task}/policy", {"entries": [], "expected_version": version}, expect=200,
           name=f"PUT /v1/tasks/{task}/policy cleared")


def stats_checks(c, s):
    # Decision counts reach the database about once a second.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        body = s_json(s, "GET", "/v1/stats")
        if "clickbait" in body.get("windows", {}).get("5m", {}):
            break
        time.sleep(0.25)
    reply = c.call(s, "GET", "/v1/stats", expect=200)
    windows = reply.json()["windows"] if reply.status == 200 else {}
    c.report("clickbait" in windows.get("5m", {}), "  /v1/stats counts the decisions made", str(windows)[:200])
    reply = c.call(s, "GET", "/v1/stats/reject-rate", expect=200)
    c.report(reply.status == 200 and reply.json()["task"] == "*" and reply.json()["window"] == "1h",
             "  no parameters: every task summed over 1h")
    op = c.spec.operation("GET", "/v1/stats/reject-rate")
    query = "&".join(f"{p['name']}={p['example']}" for p in map(c.spec.deref, op["parameters"]) if "example" in p)
    reply = c.call(s, "GET", f"/v1/stats/reject-rate?{query}", expect=200, name=f"GET /v1/stats/reject-rate?{query} (examples)")
    for q in ["task=clickbait&window=all", "window=30s", "task=sms-spam&window=7d"]:
        c.call(s, "GET", f"/v1/stats/reject-rate?{q}", expect=200)
    for q, status, code in [("window=abc", 422, "validation_failed"), ("window=0m", 422, "validation_failed"),
                            ("window=1w", 422, "validation_failed"), ("task=%ZZ", 422, "validation_failed"),
                            ("task=no-such-task", 404, "unknown_task")]:
        c.call(s, "GET", f"/v1/stats/reject-rate?{q}", expect=status, code=code)
    c.call(s, "POST", "/v1/stats", {}, expect=405, code="method_not_allowed")


def experts_checks(c, s):
    reply = c.call(s, "GET", "/v1/experts", expect=200)
    before = {t["task"]: t for t in reply.json()["tasks"]} if reply.status == 200 else {}
    example = example_values(c.spec, "PUT", "/v1/experts/{task}", media="application/octet-stream")["bundle-file"]
    sms = (ROOT / example["externalValue"]).read_bytes()
    youtube = (ROOT / "experts/default/tasks/youtube-spam.safetensors").read_bytes()
    octet = {"Content-Type": "application/octet-stream"}
    reply = c.call(s, "PUT", "/v1/experts/sms-spam", sms, headers=octet, expect=201, name="PUT /v1/experts/sms-spam example 'bundle-file'")
    if reply.status == 201:
        c.report(reply.json().get("previous_version") == before["sms-spam"]["version"], "  previous_version is the version before")
    c.call(s, "PUT", "/v1/experts/sms-spam", sms, headers=octet, expect=201, name="PUT /v1/experts/sms-spam again")
    c.call(s, "POST", "/v1/experts/sms-spam/rollback", expect=200)
    c.call(s, "POST", "/v1/experts/youtube-spam/rollback", expect=409, code="conflict", name="POST /v1/experts/youtube-spam/rollback (no upload)")
    c.call(s, "POST", "/v1/experts/no-such-task/rollback", expect=409, code="conflict")
    reply = c.call(s, "PUT", "/v1/experts/sms-spam", os.urandom(4096), headers=octet, expect=422, code="validation_failed",
                   name="PUT /v1/experts/sms-spam garbage bytes")
    message = reply.json()["error"]["message"] if reply.status == 422 else ""
    c.report(s.state not in message, "  the 422 message does not reveal the server's file paths", message[:160])
    truncated = sms[: len(sms) // 2]
    c.call(s, "PUT", "/v1/experts/sms-spam", truncated, headers=octet, expect=422, code="validation_failed",
           name="PUT /v1/experts/sms-spam truncated file")
    c.call(s, "PUT", "/v1/experts/sms-spam", b"", headers=octet, expect=422, code="validation_failed", name="PUT /v1/experts/sms-spam empty body")
    c.call(s, "PUT", "/v1/experts/clickbait", sms, headers=octet, expect=422, code="validation_failed",
           name="PUT /v1/experts/clickbait with the sms-spam file")
    reply = c.call(s, "DELETE", "/v1/experts/youtube-spam", expect=200)
    c.call(s, "DELETE", "/v1/experts/youtube-spam", expect=404, code="unknown_task", name="DELETE /v1/experts/youtube-spam again")
    c.call(s, "DELETE", "/v1/experts/no-such-task", expect=404, code="unknown_task")
    c.call(s, "POST", "/v1/classify", {"task": "youtube-spam", "text": "hi"}, expect=404, code="unknown_task",
           name="POST /v1/classify deleted task")
    reply = c.call(s, "PUT", "/v1/experts/youtube-spam", youtube, headers=octet, expect=201, name="PUT /v1/experts/youtube-spam (re-add)")
    if reply.status == 201:
        c.report("previous_version" not in reply.json(), "  a task added anew has no previous_version", str(reply.json()))
    reply = c.call(s, "POST", "/v1/experts/youtube-spam/rollback", expect=200, name="POST /v1/experts/youtube-spam/rollback (to the bundle)")
    if reply.status == 200:
        c.report(reply.json().get("sha256") == before["youtube-spam"]["sha256"]
                 and reply.json()["version"] == before["youtube-spam"]["version"],
                 "  rolled back to the bundle's expert: its version and checksum", str(reply.json()))
    c.call(s, "POST", "/v1/experts/youtube-spam/rollback", expect=409, code="conflict",
           name="POST /v1/experts/youtube-spam/rollback (nothing left)")
    # The shared expert: the bundle's own file uploaded again, rolled back to the bundle, then nothing left.
    shared_file = (ROOT / "experts/default/shared.safetensors").read_bytes()
    c.call(s, "POST", "/v1/shared/rollback", expect=409, code="conflict", name="POST /v1/shared/rollback (bundle's)")
    c.call(s, "PUT", "/v1/shared", youtube, headers=octet, expect=422, code="validation_failed",
           name="PUT /v1/shared with a task expert's file")
    reply = c.call(s, "PUT", "/v1/shared", shared_file, headers=octet, expect=201, name="PUT /v1/shared example 'bundle-file'")
    if reply.status == 201:
        c.report(reply.json().get("status") == "loaded", "  status loaded", str(reply.json()))
    c.call(s, "POST", "/v1/shared/rollback", expect=200)
    c.call(s, "POST", "/v1/shared/rollback", expect=409, code="conflict", name="POST /v1/shared/rollback (nothing left)")
    reply = c.call(s, "GET", "/v1/experts", expect=200, name="GET /v1/experts after the changes")
    c.report(reply.status == 200 and {t["task"] for t in reply.json()["tasks"]} == set(before), "  the same tasks are loaded")
    c.call(s, "PATCH", "/v1/experts/sms-spam", {}, expect=405, code="method_not_allowed")


def routing_checks(c, s):
    c.call(s, "GET", "/no/such/route", expect=404, code="not_found")
    c.call(s, "GET", "/v1/experts/", expect=404, code="not_found")
    c.call(s, "GET", "/v1/experts/%ZZ", expect=404, code="not_found")
    reply = c.call(s, "POST", "/healthz", expect=405, code="method_not_allowed")
    c.report(reply.headers.get("allow") == "GET", "  405 says Allow: GET", f"Allow: {reply.headers.get('allow')}")
    c.call(s, "GET", "/v1/review/1/verdict", expect=405, code="method_not_allowed")
    c.call(s, "DELETE", "/v1/review/claim", expect=405, code="method_not_allowed")


def transport_checks(c, s):
    """Requests the HTTP layer refuses; each reply must be one the spec declares for the operation."""
    cases = [
        ("POST", "/v1/classify", b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413, "body_too_large"),
        ("GET", "/healthz", b"GET /healthz?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        ("GET", "/healthz", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(101)) + b"\r\n",
         431, "headers_too_large"),
        ("GET", "/healthz", b"GET /healthz HTTP/1.1\r\n\r\n", 400, "bad_request"),
        ("GET", "/healthz", b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
        ("POST", "/v1/classify", b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
         "unsupported_transfer_encoding"),
        ("POST", "/v1/classify", b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}", 417,
         "expectation_failed"),
    ]
    for method, path, data, status, code in cases:
        reply = s.raw(data)
        problems = c.conformance(method, path, reply)
        if reply.status != status or error_code(reply) != code:
            problems.append(f"got {reply.status} {error_code(reply)!r}")
        c.report(not problems, f"raw {method} {path}: {code} -> {status}", "; ".join(problems))
    body = b'{"task": "sms-spam", "text": "hi"}'
    pieces = [body[i:i + 10] for i in range(0, len(body), 10)]
    chunked = b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" \
        + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    reply = s.raw(chunked)
    c.report(reply.status == 200 and not c.conformance("POST", "/v1/classify", reply), "raw POST /v1/classify chunked body -> 200",
             f"status {reply.status} {reply.body[:120]!r}")


def start_timeout_probe(s):
    """Sends a request line without the rest of the headers and waits for the 408; returns a thread and its result."""
    result = {}

    def probe():
        try:
            with socket.create_connection(("127.0.0.1", s.port), timeout=20) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\n")
                result["reply"] = read_raw_reply(sock)
        except Exception as e:
            result["error"] = e

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    return thread, result


def auth_checks(c, t):
    """The token server: every operation without a token, with an unknown one, with a token lacking its role,
    and with a token holding it."""
    c.call(t, "GET", "/healthz", expect=200, name="[tokens] GET /healthz without a token")
    c.call(t, "GET", "/metrics", expect=200, name="[tokens] GET /metrics without a token")
    for method, template, op in c.spec.operations():
        role = c.spec.role(method, template)
        if role is None:
            continue
        path = template.replace("{task}", "no-such-task").replace("{id}", "999999")
        body = None
        if "requestBody" in op:
            media = next(iter(c.spec.deref(op["requestBody"])["content"]))
            body = next(iter(example_values(c.spec, method, template, media).values())).get("value", b"not an expert file")
        reply = c.call(t, method, path, body, expect=401, code="unauthorized", name=f"[tokens] {method} {template} without a token")
        c.report(reply.headers.get("www-authenticate") == "Bearer", f"  401 says WWW-Authenticate: Bearer")
        c.call(t, method, path, body, headers={"Authorization": "Bearer not-a-valid-token-at-all"}, expect=401,
               code="unauthorized", name=f"[tokens] {method} {template} unknown token")
        lacking = "review" if role != "review" else "classify"
        c.call(t, method, path, body, headers={"Authorization": f"Bearer {TOKENS[lacking]}"}, expect=403, code="forbidden",
               name=f"[tokens] {method} {template} {lacking} token")
        for granted in sorted({role, "admin"}):
            reply = c.call(t, method, path, body, headers={"Authorization": f"Bearer {TOKENS[granted]}"},
                           name=f"[tokens] {method} {template} {granted} token")
            c.report(reply.status not in (401, 403), f"  the {granted} token is let through", f"status {reply.status}")
    c.call(t, "GET", "/v1/experts", headers={"Authorization": f"Basic {TOKENS['admin']}"}, expect=401, code="unauthorized",
           name="[tokens] GET /v1/experts with Basic instead of Bearer")


def connection_cap_check(c, t, cap):
    """At the cap, a new connection evicts the one that has waited longest on its client (here: held silent), so
    it is served; 503 too_many_connections is only for a server whose every connection has a request in work."""
    t.close_connection()
    time.sleep(0.2)
    held = [socket.create_connection(("127.0.0.1", t.port), timeout=5) for _ in range(cap)]
    try:
        time.sleep(0.1)
        reply = t.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        problems = c.conformance("GET", "/healthz", reply)
        if reply.status != 200:
            problems.append(f"got {reply.status} {error_code(reply)!r}")
        evicted = 0
        for sock in held:
            sock.settimeout(2)
            try:
                evicted += sock.recv(1) == b""
            except OSError:
                pass
        if evicted < 1:
            problems.append("no held connection was closed")
        c.report(not problems, f"[tokens] connection {cap + 1} over --max-connections {cap} (all held silent) evicts the "
                 f"oldest and is served", "; ".join(problems))
    finally:
        for sock in held:
            sock.close()


def all_refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from all_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_refs(value)


def s_json(s, method, path):
    reply = s.request(method, path)
    try:
        return reply.json()
    except ValueError:
        return {}


# --------------------------------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=str(ROOT / ".build/release/moecl"))
    parser.add_argument("--spec", default=str(ROOT / "openapi.yaml"))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally below: the servers are stopped
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"check_openapi: {args.binary} is not an executable; build it first (make build)")
    started = time.monotonic()
    spec = Spec(args.spec)
    c = Checker(spec)
    check_spec(c, spec)

    cap = 3
    token_args = [a for role, token in TOKENS.items() for a in ("--token", f"{role}:{token}")]
    servers = []
    try:
        s = Server(args.binary, ["--audit-rate", "0", "--header-timeout", str(HEADER_TIMEOUT)])
        servers.append(s)
        t = Server(args.binary, [*token_args, "--max-connections", str(cap)])
        servers.append(t)
        s.wait_listening()
        t.wait_listening()
        timeout_thread, timeout_result = start_timeout_probe(s)
        wait_ready(c, s)
        experts = s_json(s, "GET", "/v1/experts")["tasks"]
        tasks = [e["task"] for e in experts]
        operations_checks(c, s)
        classify_checks(c, s, tasks)
        moderations_checks(c, s, [e["task"] for e in experts if e.get("compliant_label")])
        thresholds_checks(c, s)
        scene_guard_checks(c, s)
        review_checks(c, s)
        stats_checks(c, s)
        evolution_checks(c, s)
        policy_checks(c, s)
        experts_checks(c, s)
        routing_checks(c, s)
        transport_checks(c, s)
        auth_checks(c, t)
        connection_cap_check(c, t, cap)
        timeout_thread.join(20)
        reply = timeout_result.get("reply")
        problems = [f"no reply: {timeout_result.get('error')}"] if reply is None else c.conformance("GET", "/healthz", reply)
        if reply is not None and (reply.status != 408 or error_code(reply) != "request_timeout"):
            problems.append(f"got {reply.status} {error_code(reply)!r}")
        c.report(not problems, f"raw GET /healthz: headers not finished in {HEADER_TIMEOUT} s -> 408 request_timeout",
                 "; ".join(problems))
        metrics = s.request("GET", "/metrics").body.decode()
        c.report('code="500"' not in metrics, "no request of the run was answered 500 (moecl_requests_total)",
                 ", ".join(re.findall(r'moecl_requests_total\{[^}]*code="500"\} \d+', metrics)))
        for server in servers:
            c.report(server.process.poll() is None, f"server on port {server.port} still running at the end",
                     f"exit status {server.process.returncode}")
    except Exception as e:  # a crash of the checker or the server is a failure, not a traceback
        c.report(False, "the checks ran to the end", f"{type(e).__name__}: {e}")
    finally:
        for server in servers:
            server.stop()

    missing = sorted({(m, t) for m, t, _ in spec.operations()} - c.answered_2xx)
    c.report(not missing, f"every one of the {sum(1 for _ in spec.operations())} operations answered a 2xx",
             "never: " + ", ".join(f"{m} {t}" for m, t in missing))
    print(f"\n{c.passed} passed, {c.failed} failed, {c.xfailed} known server bugs (XFAIL) "
          f"in {time.monotonic() - started:.1f} s")
    for name in c.xpassed:
        print(f"note: XPASS '{name}': the known bug seems fixed; drop its known_bug mark")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
