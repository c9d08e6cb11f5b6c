#!/usr/bin/env python3
"""Browser tests of the two pages (`make test`; issue 20): Debian's headless Chromium driven by selenium.

Starts the real binary with an admin and a review token and the shipped experts, sends a few texts through the
API (some go to review), then:
  /ui         enter the admin token: one row per loaded task, each with its reject rate;
  /ui/review  enter the review token, claim an item, answer it with the keyboard ("1": the first label), and
              see through the API that the verdict was stored.
Fails loudly when the binary, Chromium or chromedriver is missing. --screenshots DIR saves both pages as PNG.

Run: python3 scripts/ui/browser_test.py [--binary .build/release/moecl] [--screenshots docs/ui]
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADMIN, REVIEW = "ui-admin-0123456789abcdef", "ui-review-0123456789abcdef"


def call(port, method, path, body=None, token=ADMIN):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(ROOT / ".build/release/moecl"))
    ap.add_argument("--screenshots")
    a = ap.parse_args()
    for tool in ("chromium", "chromedriver"):
        if not shutil.which(tool):
            sys.exit(f"browser_test: {tool} is missing: run scripts/ui/install.sh")
    if not os.access(a.binary, os.X_OK):
        sys.exit(f"browser_test: {a.binary} is not built (make build)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    work = Path(tempfile.mkdtemp(prefix="moecl-ui-"))
    log = open(work / "server.log", "w")
    server = subprocess.Popen([a.binary, "serve", "--port", "0", "--state", str(work / "state"),
                               "--token", f"admin:{ADMIN},review:{REVIEW}", "--audit-rate", "0"],
                              cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    failures = []
    driver = None
    try:
        port = None
        for _ in range(600):
            m = re.search(r"listening on http://[0-9.]+:(\d+)", (work / "server.log").read_text())
            if m:
                port = int(m.group(1))
                break
            if server.poll() is not None:
                sys.exit("browser_test: the server exited:\n" + (work / "server.log").read_text()[-2000:])
            time.sleep(0.1)
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        tasks = [t["task"] for t in call(port, "GET", "/v1/experts")["tasks"]]
        call(port, "POST", "/v1/classify", {"task": "tweeteval-offensive", "texts": [
            "I hate mondays so much", "what a day, honestly", "you people never learn"]})
        call(port, "POST", "/v1/classify", {"task": "sms-spam", "text": "WINNER!! You have won a free cruise"})
        time.sleep(1.5)  # decision counts reach the database about once a second

        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                     "--disable-dev-shm-usage"):
            options.add_argument(flag)
        options.binary_location = shutil.which("chromium")
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        wait = WebDriverWait(driver, 20)

        def check(ok, what):
            print(("PASS  " if ok else "FAIL  ") + what)
            if not ok:
                failures.append(what)

        driver.get(f"http://127.0.0.1:{port}/ui")
        token = driver.find_element(By.ID, "token")
        token.clear()
        token.send_keys(ADMIN)
        driver.find_element(By.ID, "load").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#rows tr")) == len(tasks))
        shown = {r.get_attribute("data-task"): r for r in driver.find_elements(By.CSS_SELECTOR, "#rows tr")}
        check(set(shown) == set(tasks), f"/ui lists every task: {sorted(shown)}")
        rates = {t: shown[t].find_element(By.CSS_SELECTOR, "td.rate").text for t in shown}
        check(all("%" in r or "—" in r for r in rates.values()) and "%" in rates.get("sms-spam", ""),
              f"/ui shows each task's reject rate: {rates}")
        if a.screenshots:
            Path(a.screenshots).mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(Path(a.screenshots) / "dashboard.png"))

        before = {q["task"]: q["decided"] for q in call(port, "GET", "/v1/review/stats")["queues"]}
        driver.get(f"http://127.0.0.1:{port}/ui/review")
        token = driver.find_element(By.ID, "token")
        token.clear()
        token.send_keys(REVIEW)
        driver.find_element(By.ID, "claim").click()
        wait.until(lambda d: d.find_element(By.ID, "item").is_displayed())
        meta = driver.find_element(By.ID, "meta").text
        item_id = int(re.search(r"item (\d+)", meta).group(1))
        first_label = driver.find_element(By.CSS_SELECTOR, "#labels button").get_attribute("data-label")
        check(driver.find_element(By.ID, "text").text != "", f"/ui/review shows the claimed item's text ({meta})")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#text span.up, #text span.down"))
        marks = driver.find_elements(By.CSS_SELECTOR, "#text span.up, #text span.down")
        check(len(marks) >= 1 and driver.find_element(By.ID, "error").text == "",
              f"/ui/review highlights the words that drove the score ({len(marks)} marked, review token)")
        if a.screenshots:
            driver.save_screenshot(str(Path(a.screenshots) / "review.png"))
        driver.find_element(By.TAG_NAME, "body").send_keys("1")
        wait.until(lambda d: "1 answered" in d.find_element(By.ID, "mine").text)
        after = {q["task"]: q["decided"] for q in call(port, "GET", "/v1/review/stats")["queues"]}
        task = meta.split(" · ")[0]
        check(after.get(task, 0) == before.get(task, 0) + 1,
              f"the key press stored a verdict on item {item_id} ({task}: decided {before.get(task, 0)} -> {after.get(task, 0)})")
        labels = [b.get_attribute("data-label") for b in driver.find_elements(By.CSS_SELECTOR, "#labels button")]
        other = next((l for l in labels if l != first_label), None) or "compliant"
        try:  # the stored verdict is the first label: a different answer to the same item is refused
            call(port, "POST", f"/v1/review/{item_id}/verdict", {"label": other if other != first_label else "x"},
                 token=REVIEW)
            check(False, f"item {item_id} keeps its verdict '{first_label}'")
        except urllib.error.HTTPError as e:
            check(e.code == 409, f"item {item_id} keeps its verdict '{first_label}' (a different one: HTTP {e.code})")
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
