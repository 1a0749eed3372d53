"""A cadre's phone on slow 3G (issue 18, item 7): what 我的工作 and the visit form cost to open, cold and warm, and offline.

    make bench-field                  # about a minute: seeding, then the browser runs
    .venv/bin/python bench/field.py

The site as production serves it: a fresh database `outreach_bench_field` (migrate, seed_demo), collectstatic
into var/field/static, gunicorn with deploy/gunicorn.conf.py in production settings (DEBUG off) on a loopback
port, and nginx in front with deploy/nginx/outreach.conf as installed (TLS and HTTP/2 with a throwaway
certificate, /static/ from disk with `expires 1y`, `immutable` and gzip_static; only ports and paths
rewritten, as tests/test_nginx.py does) inside the http block of Debian's stock nginx.conf, whose `gzip on`
is what compresses the pages (text/html). So every byte below is compressed as in production: pages gzip
(nginx, level 1), static files their collectstatic .gz (nginx-light has no brotli module).

The demo cadre gb001 (an assignment today) signs in through the browser context's request API, so the
browser's caches start empty. Headless Chromium (Debian's /usr/bin/chromium, 390×844) is throttled through
CDP Network.emulateNetworkConditions to 400 kbit/s down and up and 400 ms latency — the page and the
service worker both (the worker fetches the pages it keeps, and a page it serves, from its own target).

For each page, in a fresh browser context each:
- cold: empty cache, signed in. Bytes are what crossed the network (CDP encodedDataLength: headers and
  compressed bodies) for the page's own requests; the service worker that the page installs then fetches its
  shell and the pages it keeps in the background, counted apart ("then in the background").
- warm: the same page opened again in a new tab once the worker is installed and has kept its pages.
  "to network" counts requests that reached the network (the worker's own fetches included); "static" those
  of them for /static/ (target 0).
- offline (我的工作 only): context.set_offline(True), then 我的工作 opened in a new tab.
"Usable" is the page's DOMContentLoaded end from navigation start: the HTML parsed, the stylesheets loaded,
every script of the page run (they are at the end of <body> or deferred, so the navbar toggler, the outbox and
the form's handlers are attached), and the form's submit button visible and enabled (checked then).
Targets: visit form cold ≤ 150 KB and usable ≤ 3 s; warm usable ≤ 1 s with 0 static requests to the network;
offline open ≤ 1 s.

    FIELD_DATABASE=outreach_bench_field   the database it drops and rebuilds
    FIELD_REDIS_URL=redis://…/11          the Redis db it flushes
    FIELD_SKIP_SEED=1                     reuse the database and static files of the previous run
"""

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import websocket  # websocket-client
from demo_site import ROOT, free_port, fresh_demo  # bench/demo_site.py
from playwright.sync_api import sync_playwright

DATABASE = os.environ.get("FIELD_DATABASE", "outreach_bench_field")
if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", DATABASE):
    sys.exit(f"FIELD_DATABASE must be a plain lower-case name, not {DATABASE!r}")
POSTGRES = os.environ.get("FIELD_POSTGRES", "postgres://postgres:postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("FIELD_REDIS_URL", "redis://127.0.0.1:6379/11")
FOLDER = ROOT / "var" / "field"
STATIC_ROOT = FOLDER / "static"
CADRE, PASSWORD = "gb001", "Xiaxiang@2026"  # demo/county_accounts.py, demo/county.py
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8,
           "connectionType": "cellular3g"}
PAGES = [("我的工作", "/work/"), ("visit form", "/work/visits/new/")]
TARGETS = {"cold_kb": 150, "cold_s": 3.0, "warm_s": 1.0, "offline_s": 1.0}

SERVER_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "field-bench-only-secret-key-not-for-production",
    "PII_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24=",
    "PII_HASH_KEY": "field-bench-only-hash-key",
    "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
    "REDIS_URL": REDIS_URL,
    "STATIC_ROOT": str(STATIC_ROOT),
    "ALLOWED_HOSTS": "outreach.example.gov.cn,127.0.0.1",  # the site's name: nginx passes probes on under it
    "NUM_PROXIES": "1",  # behind nginx, as deploy/nginx/outreach.conf says
    "TWO_FACTOR_REQUIRED": "false",
    "GUNICORN_WORKERS": "2",
    "GUNICORN_FORWARDED_ALLOW_IPS": "127.0.0.3",  # nginx connects from there (proxy_bind below)
}
ENV = {**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}, **SERVER_ENV}
# What Debian's /etc/nginx/nginx.conf puts in the http block around the site (the part that matters here: gzip on).
DEBIAN_HTTP = "sendfile on;\n tcp_nopush on;\n types_hash_max_size 2048;\n include /etc/nginx/mime.types;\n default_type application/octet-stream;\n gzip on;\n"


def prepare() -> None:
    """A fresh database with the demo county, the static files (their old copies removed), and an empty Redis db."""
    shutil.rmtree(STATIC_ROOT, ignore_errors=True)
    fresh_demo(ENV, postgres=POSTGRES, database=DATABASE, redis_url=REDIS_URL)


def wait_for(url: str, processes: list[subprocess.Popen], log: Path) -> None:
    for _attempt in range(150):
        try:
            with urllib.request.urlopen(url, timeout=2):  # nosec B310 - our own server on loopback
                return
        except OSError:
            if processes[-1].poll() is not None:
                break
            time.sleep(0.2)
    stop(processes)
    sys.exit(f"{url} did not answer; see {log}")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def start_servers() -> tuple[list[subprocess.Popen], str]:
    """gunicorn on loopback and nginx in front of it; returns the processes and the site's https address."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    processes = []
    gunicorn_port, http_port, https_port = free_port(), free_port(), free_port()
    log = FOLDER / "gunicorn.log"
    processes.append(subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "outreach.wsgi"],
        cwd=ROOT, env={**ENV, "GUNICORN_BIND": f"127.0.0.1:{gunicorn_port}",
                       # nginx passes the host without its port ($host), so the browser's origin is named outright
                       "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{https_port}"},
        stdout=log.open("w"), stderr=subprocess.STDOUT))
    wait_for(f"http://127.0.0.1:{gunicorn_port}/healthz", processes, log)

    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=outreach.example.gov.cn",
                    "-keyout", str(FOLDER / "privkey.pem"), "-out", str(FOLDER / "fullchain.pem")], check=True, capture_output=True)
    shutil.copy(ROOT / "deploy" / "nginx" / "outreach_proxy.conf", FOLDER / "outreach_proxy.conf")
    site = (ROOT / "deploy" / "nginx" / "outreach.conf").read_text()
    for old, new in [("/etc/ssl/outreach/", f"{FOLDER}/"), ("/etc/nginx/outreach_proxy.conf", f"{FOLDER}/outreach_proxy.conf"),
                     ("/srv/outreach/static/", f"{STATIC_ROOT}/"), ("127.0.0.1:8000", f"127.0.0.1:{gunicorn_port}"),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};"), ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")]:
        if old not in site:
            stop(processes)
            sys.exit(f"deploy/nginx/outreach.conf has changed: {old!r} not found")
        site = site.replace(old, new)
    site = re.sub(r"\n\s*listen \[::\].*", "", site)
    (FOLDER / "site.conf").write_text(site)
    worker_user = ""
    if os.geteuid() == 0:  # nginx's workers as this user, who can read the checkout and the static files
        import grp
        import pwd
        worker_user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"
    temp_paths = "".join(f" {kind}_temp_path {FOLDER}/{kind}_temp;\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (FOLDER / "nginx.conf").write_text(
        f"{worker_user}pid {FOLDER}/nginx.pid;\nerror_log {FOLDER}/nginx-error.log;\nevents {{}}\n"
        f"http {{\n {DEBIAN_HTTP} access_log {FOLDER}/nginx-access.log;\n{temp_paths} proxy_bind 127.0.0.3;\n include {FOLDER}/site.conf;\n}}\n")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    processes.append(subprocess.Popen([nginx, "-c", str(FOLDER / "nginx.conf"), "-e", str(FOLDER / "nginx-error.log"), "-g", "daemon off;"],
                                      stdout=(FOLDER / "nginx.log").open("w"), stderr=subprocess.STDOUT))
    wait_for(f"http://127.0.0.1:{http_port}/healthz", processes, FOLDER / "nginx-error.log")
    return processes, f"https://127.0.0.1:{https_port}"


class Traffic:
    """Requests seen through CDP on one target (a page, or the service worker): url, whether it reached the
    network, and the bytes that crossed it."""

    def __init__(self, name: str):
        self.name, self.requests, self.paused = name, {}, False
        # The worker's own fetch of a page it serves comes marked fromServiceWorker too: only a cache hit is not network.
        self.kept_flags = ("fromDiskCache", "fromPrefetchCache") if name == "service worker" else ("fromServiceWorker", "fromDiskCache", "fromPrefetchCache")

    def on(self, method: str, params: dict) -> None:
        if self.paused:
            return
        if method == "Network.requestWillBeSent":
            if not params["request"]["url"].startswith(("http:", "https:")):
                return  # data: URLs (Bootstrap's inline icons) never touch the network
            entry = self.requests.setdefault(params["requestId"], {"url": params["request"]["url"], "network": True, "bytes": 0})
            entry.update(url=params["request"]["url"], started=params["timestamp"])
        elif method == "Network.responseReceived" and params["requestId"] in self.requests:
            response = params["response"]
            if any(response.get(flag) for flag in self.kept_flags):
                self.requests[params["requestId"]]["network"] = False
        elif method == "Network.requestServedFromCache" and params["requestId"] in self.requests:
            self.requests[params["requestId"]]["network"] = False
        elif method == "Network.loadingFinished" and params["requestId"] in self.requests:
            entry = self.requests[params["requestId"]]
            entry["bytes"] = params.get("encodedDataLength", 0) if entry["network"] else 0
            entry["seconds"] = params["timestamp"] - entry.get("started", params["timestamp"])
        elif method == "Network.loadingFailed" and params["requestId"] in self.requests:
            self.requests[params["requestId"]]["network"] = False

    def reset(self) -> None:
        self.requests = {}

    def summary(self, only=None) -> dict:
        entries = [entry for key, entry in self.requests.items() if only is None or key in only]
        network = [e for e in entries if e["network"]]
        return {"requests": len(entries), "network": len(network), "bytes": sum(e["bytes"] for e in entries),
                "static": sum(1 for e in network if "/static/" in e["url"]), "entries": entries}


class WorkerThrottle:
    """The service worker's own fetches are throttled too: CDP emulation applies per target, and the worker is
    its own, whose fetches are throttled only if set before it starts. So a second CDP client on the browser
    (websocket, flat sessions, which Playwright's CDP session cannot address) attaches to each service worker as
    it starts, held there (waitForDebuggerOnStart) until its network is throttled, and records its requests."""

    def __init__(self, debugging_port: int):
        with urllib.request.urlopen(f"http://127.0.0.1:{debugging_port}/json/version", timeout=10) as answer:  # nosec B310 - our browser
            address = json.load(answer)["webSocketDebuggerUrl"]
        self.socket = websocket.create_connection(address, timeout=30, suppress_origin=True)
        self.sessions, self.traffic, self.next_id, self.conditions, self.lock = set(), Traffic("service worker"), 0, SLOW_3G, threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        self._send(None, "Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True,
                                                  "filter": [{"type": "service_worker", "exclude": False}, {"exclude": True}]})

    def _send(self, session_id: str | None, method: str, params: dict) -> None:
        with self.lock:
            self.next_id += 1
            message = {"id": self.next_id, "method": method, "params": params}
            if session_id:
                message["sessionId"] = session_id
            self.socket.send(json.dumps(message))

    def _read(self) -> None:
        while True:
            try:
                message = json.loads(self.socket.recv())
            except (websocket.WebSocketException, OSError, ValueError):
                return
            if "error" in message:
                print("service worker CDP error:", message["error"], flush=True)
            method = message.get("method", "")
            if method == "Target.attachedToTarget":
                session_id = message["params"]["sessionId"]
                if message["params"]["targetInfo"]["type"] == "service_worker":
                    self.sessions.add(session_id)
                    self._send(session_id, "Network.enable", {})
                    self._send(session_id, "Network.emulateNetworkConditions", self.conditions)
                self._send(session_id, "Runtime.runIfWaitingForDebugger", {})
            elif method == "Target.detachedFromTarget":
                self.sessions.discard(message["params"]["sessionId"])
            elif method.startswith("Network.") and message.get("sessionId") in self.sessions:
                self.traffic.on(method, message.get("params", {}))

    def set(self, conditions: dict) -> None:
        self.conditions = conditions
        for session_id in list(self.sessions):
            self._send(session_id, "Network.emulateNetworkConditions", conditions)

    def restart_workers(self, page) -> None:
        """Stop the running workers: the next page starts its worker anew, throttled from its start."""
        cdp = page.context.new_cdp_session(page)
        cdp.send("ServiceWorker.enable", {})
        cdp.send("ServiceWorker.stopAllWorkers", {})
        cdp.detach()

    def close(self) -> None:
        self.socket.close()


def throttled_page(context):
    """A new tab on slow 3G, its requests recorded."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    traffic = Traffic("page")
    for event in ("Network.requestWillBeSent", "Network.responseReceived", "Network.requestServedFromCache",
                  "Network.loadingFinished", "Network.loadingFailed"):
        cdp.on(event, lambda params, event=event: traffic.on(event, params))
    cdp.send("Network.enable", {})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    return page, traffic


def log_in(context, base: str) -> None:
    """Signed in through the context's request API: the session cookie, and nothing in the browser's caches."""
    form = context.request.get(f"{base}/accounts/login/").text()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    answer = context.request.post(f"{base}/accounts/login/", form={"username": CADRE, "password": PASSWORD, "csrfmiddlewaretoken": token},
                                  headers={"Referer": f"{base}/accounts/login/"}, max_redirects=0)
    if answer.status != 302:
        sys.exit(f"login as {CADRE} refused ({answer.status})")


def open_page(page, url: str, visit_form: bool) -> float:
    """Open a page; seconds from navigation start to usable (DOMContentLoaded end, the form's button ready)."""
    page.goto(url, wait_until="domcontentloaded", timeout=120_000)
    usable_ms = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    if visit_form:
        button = page.locator("form[data-outbox] button[type=submit]")
        if not (button.is_visible() and button.is_enabled()):
            sys.exit(f"{url}: the submit button is not usable at DOMContentLoaded")
    page.wait_for_load_state("load", timeout=120_000)
    return usable_ms / 1000


def wait_until_kept(page) -> None:
    """Until the service worker has installed (its shell cached) and kept the cadre's pages (offline.js sets data-offline-ready)."""
    page.wait_for_selector("body[data-offline-ready]", state="attached", timeout=300_000)  # no wait_for_function: the CSP forbids eval


def kb(count: int) -> str:
    return f"{count / 1000:.1f} KB"


def measure(browser, base: str, name: str, path: str, worker: WorkerThrottle) -> dict:
    context = browser.new_context(**PHONE, ignore_https_errors=True)
    try:
        log_in(context, base)
        worker.traffic.reset()
        page, traffic = throttled_page(context)
        cold_s = open_page(page, base + path, path.endswith("/new/"))
        page.wait_for_timeout(500)
        cold = traffic.summary()
        wait_until_kept(page)
        page.wait_for_timeout(500)
        background = worker.traffic.summary()
        worker.restart_workers(page)
        page.close()

        worker.traffic.reset()
        page, traffic = throttled_page(context)
        warm_s = open_page(page, base + path, path.endswith("/new/"))
        wait_until_kept(page)  # a new tab asks the worker to keep the pages again (offline.js, once a tab): background
        page.wait_for_timeout(500)
        # The worker fetches the page it serves (network first), then the pages it keeps: the first fetch of the
        # page's own address is the page's, all the others the background's.
        own = next((key for key, entry in worker.traffic.requests.items() if entry["url"] == base + path), None)
        warm, warm_worker = traffic.summary(), worker.traffic.summary({own})
        rekept = worker.traffic.summary(set(worker.traffic.requests) - {own})
        page.close()

        offline_s = None
        if path == "/work/":
            context.set_offline(True)
            worker.set({**SLOW_3G, "offline": True})
            page, traffic = throttled_page(context)
            offline_s = open_page(page, base + path, False)
            if "我的工作" not in page.content():
                sys.exit("offline: 我的工作 did not open from the service worker's cache")
            page.close()
            worker.set(SLOW_3G)
        return {"name": name, "cold_s": cold_s, "cold": cold, "background": background,
                "warm_s": warm_s, "warm": warm, "warm_worker": warm_worker, "rekept": rekept, "offline_s": offline_s}
    finally:
        context.close()


def report(result: dict) -> None:
    cold, warm, worker, background = result["cold"], result["warm"], result["warm_worker"], result["background"]
    print(f"\n{result['name']}")
    print(f"  cold:    {kb(cold['bytes']):>9} transferred, {cold['requests']} requests, usable {result['cold_s']:.2f} s")
    for entry in sorted(cold["entries"], key=lambda e: -e["bytes"]):
        print(f"           {kb(entry['bytes']):>9}  {entry['url'].split('://', 1)[1].split('/', 1)[1]} ({entry.get('seconds', 0):.2f} s)")
    print(f"           then in the background (the service worker's shell and kept pages): {kb(background['bytes'])}, "
          f"{background['network']} requests to the network")
    static = warm["static"] + worker["static"]
    print(f"  warm:    {kb(warm['bytes'] + worker['bytes']):>9} transferred, {warm['requests']} requests "
          f"({warm['network'] + worker['network']} to the network, {static} of them static), usable {result['warm_s']:.2f} s")
    for entry in [e for e in warm["entries"] + worker["entries"] if e["network"]]:
        print(f"           {kb(entry['bytes']):>9}  {entry['url'].split('://', 1)[1].split('/', 1)[1]} (network, {entry.get('seconds', 0):.2f} s)")
    rekept = result["rekept"]
    print(f"           then in the background (the worker keeps the cadre's pages again, once a tab): {kb(rekept['bytes'])}, "
          f"{rekept['network']} requests to the network, {rekept['static']} static")
    if result["offline_s"] is not None:
        print(f"  offline: usable {result['offline_s']:.2f} s")


def verdicts(results: list[dict]) -> None:
    form = next(r for r in results if r["name"] == "visit form")
    work = next(r for r in results if r["name"] == "我的工作")
    checks = [
        (f"visit form cold ≤ {TARGETS['cold_kb']} KB", form["cold"]["bytes"] <= TARGETS["cold_kb"] * 1000, kb(form["cold"]["bytes"])),
        (f"visit form cold usable ≤ {TARGETS['cold_s']:g} s", form["cold_s"] <= TARGETS["cold_s"], f"{form['cold_s']:.2f} s"),
    ]
    for result in results:
        checks.append((f"{result['name']} warm usable ≤ {TARGETS['warm_s']:g} s", result["warm_s"] <= TARGETS["warm_s"], f"{result['warm_s']:.2f} s"))
        static = result["warm"]["static"] + result["warm_worker"]["static"] + result["rekept"]["static"]
        checks.append((f"{result['name']} warm: 0 static requests to the network", static == 0, str(static)))
    checks.append((f"offline open ≤ {TARGETS['offline_s']:g} s", work["offline_s"] <= TARGETS["offline_s"], f"{work['offline_s']:.2f} s"))
    print("\ntargets:")
    for label, met, figure in checks:
        print(f"  {'met   ' if met else 'MISSED'}  {label}: {figure}")


def main() -> None:
    started = time.time()
    if os.environ.get("FIELD_SKIP_SEED") != "1":
        print(f"Preparing {DATABASE}: migrate, seed_demo, collectstatic …", flush=True)
        prepare()
    processes, base = start_servers()
    try:
        print(f"gunicorn (2 workers, production settings) behind nginx (TLS, HTTP/2, gzip as Debian's nginx.conf) on {base}; "
              f"Chromium {PHONE['viewport']['width']}×{PHONE['viewport']['height']}, slow 3G: 400 kbit/s down and up, 400 ms latency; "
              f"signed in as {CADRE}", flush=True)
        debugging_port = free_port()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--ignore-certificate-errors",  # the throwaway certificate; a service worker registers only on a trusted one
                f"--remote-debugging-port={debugging_port}",  # for WorkerThrottle, beside Playwright's own pipe
            ])
            worker = WorkerThrottle(debugging_port)
            results = [measure(browser, base, name, path, worker) for name, path in PAGES]
            worker.close()
            browser.close()
        for result in results:
            report(result)
        verdicts(results)
    finally:
        stop(processes)
    print(f"total {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
