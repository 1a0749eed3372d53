"""Locust users of the demo county: cadres logging visits, handlers working cases, supervisors opening dashboards.

bench/load.py runs them against gunicorn and prints the figures. By hand, against a server seeded with
`manage.py seed_demo` (plain HTTP needs SECURE_COOKIES=false when DEBUG is off):

    .venv/bin/locust -f bench/locustfile.py --host http://127.0.0.1:8000

Mix: cadres 7, handlers 2, supervisors 1 (weights); each waits 1–3 s between tasks. Every user logs in
once with its own session; cadres take the 200 cadre accounts in turn, handlers and supervisors share
theirs. Redirects are not followed, so each request is timed alone and an unexpected one is an error.
"""

import datetime
import itertools
import random
import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from locust import FastHttpUser, between, task

PASSWORD = "Xiaxiang@2026"  # demo/county.py
THINK_TIME = (1, 3)  # seconds between tasks
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TIME_ZONE = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE

logged_in = 0  # users that finished logging in; bench/load.py measures once all have
# What a cadre types into the visit form's picker: a household number, or a surname (demo/names.py).
SEARCHES = [lambda: f"{random.randint(1, 600):04d}", lambda: random.choice("王李张刘陈杨黄赵吴周")]


def input_value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


def location(response) -> str:
    """Where a redirect points ("" for other answers, and for a connection error, which has no headers)."""
    return (getattr(response, "headers", None) or {}).get("location") or ""


def form_errors(html: str) -> str:
    """The messages a re-shown form carries, to name the error in the report."""
    found = re.findall(r'class="(?:alert alert-danger|invalid-feedback)[^"]*"[^>]*>\s*([^<]+)', html)
    return "; ".join(text.strip() for text in found) or "form shown again without a message"


class DemoUser(FastHttpUser):
    abstract = True
    wait_time = between(*THINK_TIME)
    accounts: itertools.cycle  # usernames this kind of user logs in as, in turn

    def on_start(self):
        global logged_in
        self.username = next(self.accounts)
        page = self.get("/accounts/login/", "login form")
        self.post("/accounts/login/", {"username": self.username, "password": PASSWORD}, page, "POST login", then="home")
        logged_in += 1

    def get(self, url: str, name: str):
        """GET expecting 200 (a redirect to the login page is an error too)."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {location(response)}".strip())
        return response.text or ""

    def post(self, url: str, fields: dict | list, page: str, name: str, then: str) -> str:
        """POST a form with the CSRF token of the page it was on, expecting a redirect, then GET where it leads
        (timed as `then`, as the browser's next request). A refusal shown there (a red message) fails the POST."""
        body = urlencode([*(fields.items() if isinstance(fields, dict) else fields),
                          ("csrfmiddlewaretoken", input_value(page, "csrfmiddlewaretoken"))])
        with self.client.post(url, data=body, headers=FORM, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                detail = form_errors(response.text or "") if response.status_code == 200 else ""
                response.failure(f"{response.status_code} {detail}".strip())
                return ""
            landing = self.get(location(response), then)
            if "alert-danger" in landing:
                response.failure(f"refused: {form_errors(landing)}")
            return landing


class Cadre(DemoUser):
    """下派干部 on a phone: today's work, the village's households, logging a visit, the diary."""

    weight = 7
    accounts = itertools.cycle(f"gb{n:03d}" for n in range(1, 201))

    @task(2)
    def home(self):
        self.get("/work/", "cadre home")

    @task(2)
    def households(self):
        self.get(f"/work/households/?page={random.randint(1, 3)}", "household list")  # the first pages, 20 households each

    @task(3)
    def log_visit(self):
        form = self.get("/work/visits/new/", "visit form")
        households = re.findall(r'<option value="(\d+)"', form)  # the picker's first page: paired, recent, by number
        kinds = re.findall(r'name="kinds" value="([^"]+)"', form)
        if not (households and kinds):
            return  # the GET already failed
        if random.random() < 0.5:  # half the visits are to a household further down: search the village for it
            found = self.search_households(random.choice(SEARCHES)())
            households = found or households
        demand = random.random() < 0.1  # one visit in ten registers a demand as a case
        fields = [
            ("client_id", input_value(form, "client_id")), ("visited_on", input_value(form, "visited_on")),
            ("household", random.choice(households)),
            *[("kinds", kind) for kind in random.sample(kinds, random.randint(1, 2))],
            *([("ate_together", "on")] if random.random() < 0.4 else []),
            ("diary", "到户里拉家常，了解今年收成和家里的开支。压力测试记录。"),
            ("deed", "帮助联系农技员" if random.random() < 0.25 else ""), ("deed_value", ""), ("pairing_progress", ""),
            ("demand-TOTAL_FORMS", "2"), ("demand-INITIAL_FORMS", "0"), ("demand-MIN_NUM_FORMS", "0"), ("demand-MAX_NUM_FORMS", "20"),
            ("demand-0-summary", "村道路灯损坏，夜间出行不便" if demand else ""), ("demand-0-type", "livelihood"), ("demand-0-head_count", "1"),
            ("demand-1-summary", ""), ("demand-1-type", "livelihood"), ("demand-1-head_count", "1"),
        ]
        self.post("/work/visits/new/", fields, form, "POST visit", then="visit detail")

    def search_households(self, query: str) -> list[str]:
        """The visit form's picker, as its script asks: a page of matches in today's village (JSON)."""
        with self.client.get(f"/work/visits/new/households/?{urlencode({'q': query})}", name="household search",
                             allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {location(response)}".strip())
                return []
            try:
                return [str(result["id"]) for result in response.json()["results"]]
            except (ValueError, KeyError, TypeError):
                response.failure("not the picker's JSON")
                return []

    @task(1)
    def diary(self):
        self.get("/work/diary/", "diary")


class Handler(DemoUser):
    """经办人 at a desk: the case list, a case, now and then a mediation session on a dispute they handle."""

    weight = 2
    accounts = itertools.cycle(["jingban"] + [f"jb{n:02d}" for n in range(1, 11)])

    def on_start(self):
        super().on_start()
        self.cases, self.disputes = [], set()  # case ids seen in the list; those offering "record a mediation"

    @task(3)
    def case_list(self):
        html = self.get(f"/cases/?page={random.randint(1, 2)}", "case list")
        self.cases = re.findall(r'href="/cases/(\d+)/"', html) or self.cases

    @task(3)
    def case_detail(self):
        if self.cases:
            self.open_case(random.choice(self.cases))

    @task(1)
    def mediate(self):
        """A side move that is always legal on a dispute the handler's unit works: the state does not change."""
        if not self.disputes:
            return
        pk = random.choice(sorted(self.disputes))
        page = self.open_case(pk)
        today = datetime.datetime.now(TIME_ZONE).date().isoformat()  # a session is recorded on or after its day
        fields = {"mediate-kind": "peoples", "mediate-held_on": today, "mediate-mediator": "村调委会",
                  "mediate-result": "agreed", "mediate-agreement": "双方达成协议（压力测试）"}
        self.post(f"/cases/{pk}/mediate/", fields, page, "POST mediation", then="case detail")

    def open_case(self, pk) -> str:
        page = self.get(f"/cases/{pk}/", "case detail")
        if f'action="/cases/{pk}/mediate/"' in page:
            self.disputes.add(pk)
        return page


class Supervisor(DemoUser):
    """督查 at a desk: the campaign dashboard, the case dashboard, the rankings."""

    weight = 1
    accounts = itertools.cycle(["ducha", "ducha_cg"])

    @task
    def campaign_dashboard(self):
        self.get("/campaigns/dashboard/", "campaign dashboard")

    @task
    def case_dashboard(self):
        self.get("/cases/dashboard/", "case dashboard")

    @task
    def rankings(self):
        self.get("/rankings/", "rankings")
