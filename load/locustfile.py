"""The people of a service hall, as locust users, against a running govhall
(``make load``; load/run.py starts the server and passes the fixture).

Each kind of person does what a hall sees from them, through the pages a
browser uses (forms with their CSRF token; redirects not followed by the
client but asked for next, each request timed on its own):

- portal visitors: the home page, catalog searches, service guides, a
  department's items;
- citizens asking the progress of a case (number + query code), each from
  an address of his own (the load generator plays the hall's proxy);
- applicants applying online: the application form, the draft, a scan per
  required material, the submission;
- window clerks receiving at the window (the acceptance screen, materials
  ticked, 受理) and doing their work list (accepting online submissions,
  immediate decisions, delivering, closing);
- reviewers, approvers, chief representatives, heads: their work list, a
  case, its next step;
- center managers: the statistics dashboard and the case list.

``FloorUser`` is the floor: the bench-only view (/bench-floor/), alone.
``LOAD_MIX`` chooses (``hall``, the default, or ``floor``). Nothing here is
imported by the test suite: locust monkey-patches the standard library on
import (pyproject's testpaths stop at govhall/; load/pages.py is what the
suite checks against the real pages).
"""

import json
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import (
    CASE_LINK,
    client_ip,
    form_with,
    multipart,
    person,
    replaced,
    scan_png,
    staff_action,
)

WARMUP_SECONDS = float(os.environ.get("LOAD_WARMUP_SECONDS") or 0)
MEASURE_SECONDS = float(os.environ.get("LOAD_MEASURE_SECONDS") or 0)
PASSWORD = os.environ.get("LOAD_PASSWORD", "govhall-demo")
FIXTURE_PATH = os.environ.get("LOAD_FIXTURE", "")
MIX = os.environ.get("LOAD_MIX", "hall")
SCAN = scan_png()

# Closed loop without think time: every simulated person sends the next
# request as soon as the last one is answered, so the figures are what the
# server sustains, not what people ask.
WAIT = constant(0)


# People still logging in (their on_start not done).
_starting = 0


@events.test_start.add_listener
def _measure(environment, **_kwargs):
    """Leave the start out of the figures: the morning's logins (a password
    hash costs a few hundred milliseconds by design) and each server
    process's first requests (templates, the search dictionary) are not the
    steady state. The figures start once the warm-up has passed and every
    person has logged in, and cover ``LOAD_MEASURE_SECONDS`` from there."""
    def run():
        gevent.sleep(WARMUP_SECONDS)
        while _starting > 0:
            gevent.sleep(0.5)
        environment.runner.stats.reset_all()
        if MEASURE_SECONDS:
            gevent.sleep(MEASURE_SECONDS)
            environment.runner.quit()

    gevent.spawn(run)


def fixture() -> dict:
    if not FIXTURE_PATH:
        raise SystemExit("LOAD_FIXTURE: the fixture written by load/fixture.py is needed (make load sets it)")
    with open(FIXTURE_PATH, encoding="utf-8") as handle:
        return json.load(handle)


class HallUser(FastHttpUser):
    """One person of the hall, with his own address behind the hall's proxy."""

    abstract = True
    wait_time = WAIT
    data: dict | None = None

    def on_start(self):
        global _starting
        _starting += 1
        try:
            if HallUser.data is None:
                HallUser.data = fixture()
            self.rng = random.Random()
            self.address = client_ip(self.rng)
            self.arrive()
        finally:
            _starting -= 1

    def arrive(self):
        """What a person does once, before his work (a login)."""

    def get(self, url: str, name: str):
        return self.client.get(url, name=name, headers={"X-Forwarded-For": self.address}, allow_redirects=False)

    def post(self, url: str, name: str, fields: list[tuple], *, expect=(302,), body=None, content_type=None):
        """Post a form (urlencoded, or ``body`` as ``content_type``); another
        status than ``expect`` is a failure, with the start of the page."""
        headers = {"X-Forwarded-For": self.address, "Referer": self.host + url,
                   "Content-Type": content_type or "application/x-www-form-urlencoded"}
        with self.client.post(url, name=name, data=body if body is not None else urlencode(fields),
                              headers=headers, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code in expect:
                answer.success()
            else:
                answer.failure(f"{answer.status_code}: {(answer.text or '')[:200]!r}")
            return answer

    def login(self, username: str):
        form = form_with(self.get("/login/", "login page").text or "", field="username")
        if form is None:
            raise RuntimeError("no login form")
        self.post("/login/", "login", replaced(form["fields"], username=username, password=PASSWORD))

    def follow(self, answer, name: str) -> str:
        """The page a redirect leads to, as the browser asks for it next; a
        refusal shown there fails that request."""
        location = answer.headers.get("Location") or answer.headers.get("location") or ""
        if not location:
            return ""
        with self.client.get(location, name=name, headers={"X-Forwarded-For": self.address},
                             allow_redirects=False, catch_response=True) as page:
            text = page.text or ""
            if page.status_code != 200:
                page.failure(f"{page.status_code}")
            elif '<li class="error">' in text:
                page.failure("refused: " + text.split('<li class="error">', 1)[1].split("</li>", 1)[0][:120])
            else:
                page.success()
            return text


class PortalVisitor(HallUser):
    """Someone reading the online catalog: searches, guides, department lists."""

    weight = 40

    @task(1)
    def home(self):
        self.get("/", "portal: home")

    @task(4)
    def search(self):
        self.get(f"/search/?q={self.rng.choice(self.data['search_words'])}", "portal: search")

    @task(4)
    def guide(self):
        self.get(f"/items/{self.rng.choice(self.data['items'])}/", "portal: service guide")

    @task(1)
    def department(self):
        self.get(f"/departments/{self.rng.choice(self.data['departments'])}/", "portal: department's items")


class ProgressQuery(HallUser):
    """A citizen asking how his case is going, by number and query code;
    each query another citizen (address), as on a city's portal."""

    weight = 15

    @task
    def progress(self):
        self.address = client_ip(self.rng)
        form = form_with(self.get("/progress/", "progress: form").text or "", field="query_code")
        if form is None:
            return
        number, code = self.rng.choice(self.data["progress"])
        self.post("/progress/", "progress: query", replaced(form["fields"], number=number, query_code=code),
                  expect=(200,))


class Applicant(HallUser):
    """An applicant applying online: the form, the draft, the scans, the submission."""

    weight = 5

    def arrive(self):
        self.login(self.rng.choice(self.data["applicants"]))

    @task
    def apply(self):
        item = self.rng.choice(self.data["online_items"])
        url = f"/items/{item['code']}/apply/"
        form = form_with(self.get(url, "apply: form").text or "", field="applicant_name")
        if form is None:
            return
        answer = self.post(url, "apply: draft", form["fields"])
        case_page = self.follow(answer, "apply: my case")
        number = (answer.headers.get("Location") or "").rstrip("/").rsplit("/", 1)[-1]
        if not case_page or not number:
            return
        for order in item["materials"]:
            upload = form_with(case_page, action_end=f"/my/cases/{number}/upload/")
            if upload is None:
                break
            body, content_type = multipart(replaced(upload["fields"], order=str(order)),
                                           [("file", f"scan-{order}.png", "image/png", SCAN)])
            answer = self.post(f"/my/cases/{number}/upload/", "apply: upload a scan", [], body=body,
                               content_type=content_type)
            case_page = self.follow(answer, "apply: my case")
        submit = form_with(case_page, action_end=f"/my/cases/{number}/submit/")
        if submit is not None:
            self.follow(self.post(f"/my/cases/{number}/submit/", "apply: submit", submit["fields"]),
                        "apply: my case")


class StaffUser(HallUser):
    """A member of staff with a work list: takes the next step of a case in it."""

    abstract = True

    def arrive(self):
        self.login(self.pick_login())

    def pick_login(self) -> str:
        return self.rng.choice(self.data["staff"])

    def work(self, kind: str):
        """The work list, a case of it, its first ordinary action."""
        ids = CASE_LINK.findall(self.get("/workbench/cases/?view=todo", f"{kind}: work list").text or "")
        if not ids:
            return
        case_id = self.rng.choice(ids[:20])
        chosen = staff_action(self.get(f"/workbench/cases/{case_id}/", f"{kind}: case page").text or "",
                              case_id, self.rng)
        if chosen is not None:
            action, fields = chosen
            self.follow(self.post(f"/workbench/cases/{case_id}/{action}/", f"{kind}: {action}", fields),
                        f"{kind}: case page")


class WindowClerk(StaffUser):
    """A clerk at a window: receives applicants, then does his work list."""

    weight = 10

    def pick_login(self) -> str:
        self.username = self.rng.choice(sorted(self.data["receivers"]))
        return self.username

    @task(2)
    def receive(self):
        item = self.rng.choice(self.data["receivers"][self.username])
        url = f"/workbench/cases/receive/{item['code']}/"
        form = form_with(self.get(url, "window: acceptance screen").text or "", field="applicant_name")
        if form is None:
            return
        fields = replaced(form["fields"], **person(self.rng), decision="accept",
                          checked=[str(order) for order in item["materials"]])
        self.follow(self.post(url, "window: receive and accept", fields), "window: case page")

    @task(1)
    def work_list(self):
        self.work("window")


class Reviewer(StaffUser):
    """Reviewers, approvers, chief representatives, heads: their work list."""

    weight = 20

    @task
    def review(self):
        self.work("staff")


class Manager(HallUser):
    """A center manager watching the hall."""

    weight = 5

    def arrive(self):
        self.login(self.rng.choice(self.data["managers"]))

    @task(3)
    def dashboard(self):
        self.get("/workbench/stats/", "manager: dashboard")

    @task(1)
    def cases(self):
        self.get("/workbench/cases/?view=all", "manager: case list")


class FloorUser(FastHttpUser):
    """The floor: a minimal Django view behind the same server and database."""

    wait_time = WAIT

    @task
    def floor(self):
        self.client.get("/bench-floor/", name="floor: minimal view")


HALL = [PortalVisitor, ProgressQuery, Applicant, WindowClerk, Reviewer, Manager]
if MIX == "floor":
    for _user in HALL:
        _user.abstract = True
elif MIX == "hall":
    FloorUser.abstract = True
else:
    raise SystemExit(f"LOAD_MIX must be 'hall' or 'floor', got {MIX!r}")
