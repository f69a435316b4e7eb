"""The authorization matrix: for every URL pattern of the site, who may use
it, with which method, on whose objects, and what everybody else gets.

How to read a row. ``ENTRIES[pattern]`` is a list of probes; a probe is one
request (method, URL arguments naming an object of ``world.World``, a
body) and ``expect``, a function from persona to the outcome that persona
must get:

- ``OK(status)``: it works — the page (200), the redirect to where the form
  leads (302), the created object (201); with ``effect``, a state-changing
  request must have changed the named tables;
- ``LOGIN``: an anonymous visitor is sent to the login page (302);
- ``DENIED``: 403 — the person may see the object (or the page exists for
  him) but his role or grant does not allow the act, or an applicant asks
  for a staff page, or staff for an applicant's page;
- ``HIDDEN``: 404 — the object is outside the person's scope (another
  department's or center's case, another applicant's case, another's import
  job, an unpublished item on the portal): its existence is not revealed;
- ``REFUSED``: 400 — a form names something outside the person's scope in
  a field (the field says so; nothing is written).

Every outcome but ``OK`` must leave the database as it was (the snapshot of
``test_matrix.snapshot``). The scope is written out below from DESIGN 5, not
read from the code under test.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from govhall.core.tests.authorization.world import (
    ITEM_A,
    ITEM_C,
    ITEM_DRAFT,
    THEME,
    World,
)
from govhall.test import sample_pdf

# --- outcomes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    kind: str  # ok, login, denied, hidden, refused
    status: int
    effect: tuple[str, ...] = ()  # tables an allowed request must change

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"


def OK(status: int = 200, *effect: str) -> Outcome:
    return Outcome("ok", status, effect)


SHOWN = OK()  # the page, 200


LOGIN = Outcome("login", 302)
DENIED = Outcome("denied", 403)
HIDDEN = Outcome("hidden", 404)
REFUSED = Outcome("refused", 400)

# --- personas and what each may see (DESIGN 5) ----------------------------------------

ANONYMOUS = "anonymous"
APPLICANTS = ("applicant", "agent")  # an agent (代办员) logs in as an applicant: his own applications only
STAFF = ("clerk", "town_clerk", "reviewer", "approver", "head", "clerk_b", "chief_b", "unit_b", "manager",
         "town_manager", "hotline", "supervisor", "sysadmin", "clerk_c", "manager_c")
PERSONAS = (ANONYMOUS, *APPLICANTS, *STAFF)
# One of each kind of user: anonymous, applicant, department staff, head,
# chief representative, center manager, hotline, supervisor, administrator.
ONE_OF_EACH_KIND = (ANONYMOUS, "applicant", "clerk_b", "head", "chief_b", "manager", "hotline", "supervisor",
                    "sysadmin")

# Staff working for department A: its own people, and the window clerks of
# the district and the town who accept A's items (authorizations).
DEPT_A = frozenset({"clerk", "town_clerk", "reviewer", "approver", "head"})
DEPT_B = frozenset({"clerk_b", "chief_b", "unit_b"})
DEPT_C = frozenset({"clerk_c"})
DISTRICT = frozenset({"manager", "hotline"})  # center roles of the district: it and the town below it
TOWN = frozenset({"town_manager"})
OTHER_DISTRICT = frozenset({"manager_c"})
EVERYWHERE = frozenset({"supervisor", "sysadmin"})

# Cases by where they belong: A received at the district, B at the district,
# A received at the town (a sub-center), C at the other district; and B's
# case whose current review step is A's (A reviews, B decides): both
# departments see it, B as its own, A for the step its staff perform.
CASE_SEEN_BY = {
    "a": DEPT_A | DISTRICT | EVERYWHERE,
    "b": DEPT_B | DISTRICT | EVERYWHERE,
    "t": DEPT_A | DISTRICT | TOWN | EVERYWHERE,
    "c": DEPT_C | OTHER_DISTRICT | EVERYWHERE,
    "x": DEPT_B | DEPT_A | DISTRICT | EVERYWHERE,
}
# Department data (items, alerts, follow-ups) by the department and the center it sits at.
DEPARTMENT_SEEN_BY = {
    "A": DEPT_A | DISTRICT | EVERYWHERE,
    "B": DEPT_B | DISTRICT | EVERYWHERE,
    "C": DEPT_C | OTHER_DISTRICT | EVERYWHERE,
}
# Who edits a department's catalog: its head and chief representative,
# the managers of its center or above, system administrators.
EDITORS = {"A": frozenset({"head", "manager", "sysadmin"}), "B": frozenset({"chief_b", "manager", "sysadmin"}),
           "C": frozenset({"manager_c", "sysadmin"})}


def case_group(label: str) -> str:
    return {"review_b": "b", "review_t": "t", "case_c": "c", "review_x": "x"}.get(label, "a")


def case_owner(label: str) -> str | None:
    """The applicant account a case belongs to (window cases of B and the town have none)."""
    return {"review_b": None, "review_t": None, "review_x": None, "case_c": "agent"}.get(label, "applicant")


def sees_case(persona: str, label: str) -> bool:
    return persona in CASE_SEEN_BY[case_group(label)]


# --- expectations ------------------------------------------------------------------------

Expect = Callable[[str], Outcome]


def public(outcome: Outcome = SHOWN) -> Expect:
    def expect(persona):
        return outcome
    expect.public = True
    return expect


def logged_in(outcome: Outcome = SHOWN) -> Expect:
    return lambda persona: LOGIN if persona == ANONYMOUS else outcome


def staff_page(outcome: Outcome = SHOWN, *, only=None, elsewhere: Outcome = DENIED) -> Expect:
    """A workbench page: staff (``only`` those, if given); applicants 403."""
    def expect(persona):
        if persona == ANONYMOUS:
            return LOGIN
        if persona in APPLICANTS:
            return DENIED
        return outcome if only is None or persona in only else elsewhere
    return expect


def staff_object(seen_by, outcome: Outcome = SHOWN, *, may=None) -> Expect:
    """A workbench page of one object: 404 outside the scope ``seen_by``;
    inside it, ``may`` (None: everyone who sees it) get ``outcome``, the others 403."""
    def expect(persona):
        if persona == ANONYMOUS:
            return LOGIN
        if persona in APPLICANTS:
            return DENIED
        if persona not in seen_by:
            return HIDDEN
        return outcome if may is None or persona in may else DENIED
    return expect


def applicant_page(outcome: Outcome = SHOWN, *, case: str | None = None) -> Expect:
    """A portal page of the applicant's own: staff 403; another applicant's case 404."""
    def expect(persona):
        if persona == ANONYMOUS:
            return LOGIN
        if persona not in APPLICANTS:
            return DENIED
        return outcome if case is None or case_owner(case) == persona else HIDDEN
    return expect


def api_case(label: str, outcome: Outcome = SHOWN, *, may=None) -> Expect:
    """An API call on a case: its applicant and the staff who see it; 404
    for everyone else (applicants included); ``may`` narrows who may act."""
    def expect(persona):
        if persona == ANONYMOUS:
            return DENIED
        if persona in APPLICANTS:
            if case_owner(label) != persona:
                return HIDDEN
        elif not sees_case(persona, label):
            return HIDDEN
        return outcome if may is None or persona in may else DENIED
    return expect


def api_staff_object(seen_by, outcome: Outcome = SHOWN, *, may=None) -> Expect:
    """An API call on staff-side data (a catalog item being edited)."""
    def expect(persona):
        if persona == ANONYMOUS:
            return DENIED
        if persona not in seen_by:
            return HIDDEN
        return outcome if may is None or persona in may else DENIED
    return expect


def api_logged_in(outcome: Outcome = SHOWN, *, may=None) -> Expect:
    def expect(persona):
        if persona == ANONYMOUS:
            return DENIED
        return outcome if may is None or persona in may else DENIED
    return expect


# --- probes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request of the matrix."""

    id: str
    method: str
    expect: Expect
    kwargs: Callable[[World], dict] = lambda w: {}
    data: Callable[[World, str], dict] | None = None  # (world, persona) → body
    json: bool = False  # the body as JSON (the API)
    query: str | Callable[[World], str] = ""
    headers: dict = field(default_factory=dict)
    # A list page: the numbers of these cases appear for those who may see
    # them and for nobody else; of ``hides_cases``, only the second half.
    lists_cases: tuple[str, ...] = ()
    hides_cases: tuple[str, ...] = ()
    # Words that must not appear for anyone (an unpublished item on the portal).
    absent: tuple[str, ...] = ()
    # (word, who may see it), e.g. a department's draft item on a staff list.
    words_seen_by: Callable[[World], tuple] = lambda w: ()
    path: str = ""  # for a pattern without a name
    environ: dict = field(default_factory=dict)  # e.g. the client's address
    # Every persona, except for a few costly documents that are the same for
    # everyone of a kind (the API schema, the report files): one of each kind.
    personas: tuple[str, ...] = PERSONAS


def pk(collection: str, label: str, name: str, **fixed) -> Callable[[World], dict]:
    """URL arguments: ``name`` is the primary key of ``world.<collection>[label]``."""
    return lambda w: {name: getattr(w, collection)[label].pk, **fixed}


def case_id(label: str) -> Callable[[World], dict]:
    return lambda w: {"case_id": w.cases[label].pk}


def number(label: str, **more) -> Callable[[World], dict]:
    return lambda w: {"number": w.cases[label].number, **{k: v(w) for k, v in more.items()}}


PAGES_CASES = ("review_a", "review_b", "review_t", "case_c")
STEP_CASE = "review_x"  # B's case at A's review step: its own pages and lists
DRAFT_NAME = "食品小作坊登记"  # the item that was never published
ITEM_C_NAME = "小餐饮经营许可"


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, sample_pdf(name), content_type="application/pdf")


# --- the actions on a case: one row per interface action of the policy table ----------

@dataclass(frozen=True)
class Act:
    action: str
    case: str  # the case label in a state the action starts from
    allowed: frozenset  # who may take it there (the policy table, written out)
    body: dict = field(default_factory=dict)  # the API's body
    form: dict | None = None  # the workbench form's fields, when not the body's under the action's prefix


ACTS = (
    Act("submit", "draft_a", frozenset({"applicant", "clerk", "town_clerk"})),
    Act("attach_material", "draft_a", frozenset({"applicant", "clerk", "town_clerk"}), {"material_order": 1}),
    Act("check_materials", "submitted_a", frozenset({"clerk", "town_clerk"}),
        {"checks": [{"material_order": 1, "verdict": "ok"}]}, {"verdict_1": "ok"}),
    Act("accept", "checked_a", frozenset({"clerk", "town_clerk"})),
    Act("reject", "submitted_a", frozenset({"clerk", "town_clerk"}), {"reason": "不属于本机关职权范围"}),
    Act("request_correction", "submitted_a", frozenset({"clerk", "town_clerk"}),
        {"items": [{"material": "食品经营许可申请书", "problem": "缺少签字"}]}, {"items": "食品经营许可申请书：缺少签字"}),
    Act("resubmit", "correction_a", frozenset({"applicant", "clerk", "town_clerk"})),
    Act("complete_step", "review_a", frozenset({"reviewer"}), {"opinion": "符合条件"}),
    Act("send_back", "decision_a", frozenset({"approver"}), {"reason": "请补充审查"}),
    Act("request_suspension", "review_a", frozenset({"reviewer"}),
        {"ground": "testing", "reason": "委托检测", "expected_days": 3}),
    Act("suspend", "requested_a", frozenset({"head"})),
    Act("resume", "suspended_a", frozenset({"reviewer"})),
    Act("request_extension", "review_a", frozenset({"reviewer"}), {"days": 5, "reason": "情况复杂"}),
    Act("extend", "review_a", frozenset({"head"}), {"days": 5, "reason": "情况复杂"}),
    Act("refuse_request", "requested_a", frozenset({"head"}), {"reason": "理由不充分"}),
    Act("approve", "decision_a", frozenset({"approver"}), {"opinion": "同意"}),
    Act("deny", "decision_a", frozenset({"approver"}), {"reasons": "不符合法定条件"}),
    Act("record_payment", "approved_fee", frozenset({"clerk"}),
        {"amount": "50.00", "method": "cash", "receipt_number": "P0001"}),
    Act("certify", "approved_a", frozenset({"clerk"}), {"certificate_number": "JY9999"}),
    Act("deliver", "certified_a", frozenset({"clerk"}), {"method": "window", "received_by": "张三"}),
    Act("close", "delivered_a", frozenset({"clerk"})),
    Act("withdraw", "submitted_a", frozenset({"applicant", "clerk", "town_clerk"}), {"reason": "申请人书面撤回"}),
    Act("terminate", "review_a", frozenset({"head"}), {"reason": "申请人已注销"}),
)
# On B's case at A's formal review: the step is A's reviewer's (B's own staff
# may not take it), the case stays B's (an extension is asked by B's
# reviewer, the chief representative granted review, not by A's).
OTHER_STEP_ACTS = (
    Act("complete_step", "review_x", frozenset({"reviewer"}), {"opinion": "材料齐全，符合法定形式"}),
    Act("request_extension", "review_x", frozenset({"chief_b"}), {"days": 5, "reason": "情况复杂"}),
)
# An act changes the case and writes one event (a scan: one file and its event).
ACT_EFFECT = ("cases", "events")


def _web_form(act: Act) -> Callable[[World, str], dict]:
    def data(w, persona):
        fields = dict(act.form if act.form is not None else act.body)
        if act.action == "attach_material":
            fields["file"] = pdf()
        return {f"{act.action}-{name}": value for name, value in fields.items()}
    return data


def _api_body(act: Act) -> Callable[[World, str], dict]:
    def data(w, persona):
        return {**act.body, "file": pdf()} if act.action == "attach_material" else dict(act.body)
    return data


def _web_act(act: Act) -> Expect:
    return staff_object(CASE_SEEN_BY[case_group(act.case)], OK(302, *ACT_EFFECT), may=act.allowed)


def _api_act(act: Act) -> Expect:
    return api_case(act.case, OK(200, *ACT_EFFECT), may=act.allowed)


def _case_pages(make: Callable[[str], Probe], *more: str) -> list[Probe]:
    return [make(label) for label in PAGES_CASES + more]


# --- the table -------------------------------------------------------------------------------

FOLLOWUP_VERIFY = {"followup_a": frozenset({"head", "reviewer", "manager"}),
                   "followup_c": frozenset({"manager_c"})}


def _alerts() -> dict[str, list[Probe]]:
    dept = {"alert_a": "A", "alert_b": "B", "alert_c": "C", "answered_a": "A"}
    handlers = {"A": DEPT_A, "B": DEPT_B, "C": DEPT_C}
    # An alert is seen by its department's scope and by the managers who see
    # its case: A's case received at the town is the town manager's too.
    seen = {label: DEPARTMENT_SEEN_BY[d] for label, d in dept.items()} | {"alert_t": CASE_SEEN_BY["t"]}
    return {
        "workbench/alerts/": [Probe("list", "GET", staff_page(), query="?state=open", words_seen_by=lambda w: tuple(
            (reverse("alert_detail", args=[w.alerts[label].pk]), seen[label])
            for label in ("alert_a", "alert_b", "alert_c", "alert_t")))],
        "workbench/alerts/<int:alert_id>/": [
            Probe(label, "GET", staff_object(seen[label]), pk("alerts", label, "alert_id"))
            for label in ("alert_a", "alert_b", "alert_c", "alert_t")],
        "workbench/alerts/<int:alert_id>/<str:action>/": [
            *[Probe(f"acknowledge-{label}", "POST",
                    staff_object(DEPARTMENT_SEEN_BY[dept[label]], OK(302, "alerts"), may=handlers[dept[label]]),
                    pk("alerts", label, "alert_id", action="acknowledge")) for label in ("alert_a", "alert_c")],
            Probe("answer-alert_a", "POST", staff_object(DEPARTMENT_SEEN_BY["A"], OK(302, "alerts"), may=DEPT_A),
                  pk("alerts", "alert_a", "alert_id", action="answer"), data=lambda w, p: {"answer": "已督促办理"}),
            Probe("close-answered_a", "POST",
                  staff_object(DEPARTMENT_SEEN_BY["A"], OK(302, "alerts"), may={"supervisor"}),
                  pk("alerts", "answered_a", "alert_id", action="close"), data=lambda w, p: {"note": "整改到位"}),
            Probe("send_back-answered_a", "POST",
                  staff_object(DEPARTMENT_SEEN_BY["A"], OK(302, "alerts"), may={"supervisor"}),
                  pk("alerts", "answered_a", "alert_id", action="send_back"), data=lambda w, p: {"note": "整改不到位"}),
        ],
    }


def _followups() -> dict[str, list[Probe]]:
    dept = {"followup_a": "A", "followup_c": "C"}
    return {
        "workbench/followups/": [Probe("list", "GET", staff_page())],
        "workbench/followups/<int:followup_id>/": [
            Probe(label, "GET", staff_object(DEPARTMENT_SEEN_BY[dept[label]]),
                  pk("followups", label, "followup_id"))
            for label in dept],
        "workbench/followups/<int:followup_id>/<str:step>/": [
            Probe(f"verify-{label}", "POST",
                  staff_object(DEPARTMENT_SEEN_BY[dept[label]], OK(302, "followups"), may=FOLLOWUP_VERIFY[label]),
                  pk("followups", label, "followup_id", step="verify"),
                  data=lambda w, p: {"verify-verification": "已核实：等候时间过长"})
            for label in dept],
    }


# A's item never published, C's item: on staff lists and exports only for their scopes.
ITEM_WORDS = ((DRAFT_NAME, DEPARTMENT_SEEN_BY["A"]), (ITEM_C_NAME, DEPARTMENT_SEEN_BY["C"]))


def _catalog() -> dict[str, list[Probe]]:
    def item(key):
        return pk("items", key, "item_id")

    seen = {"a": DEPARTMENT_SEEN_BY["A"], "draft": DEPARTMENT_SEEN_BY["A"], "c": DEPARTMENT_SEEN_BY["C"]}
    editors = {"a": EDITORS["A"], "draft": EDITORS["A"], "c": EDITORS["C"]}
    any_editor = EDITORS["A"] | EDITORS["B"] | EDITORS["C"]
    return {
        "workbench/catalog/": [Probe("list", "GET", staff_page(), words_seen_by=lambda w: ITEM_WORDS)],
        "workbench/catalog/new/": [
            Probe("form", "GET", staff_page(only=any_editor)),
            # Department A's item: its editors; editors of other departments
            # find A missing from the department field's choices (400).
            Probe("create", "POST", lambda p: REFUSED if p in ("chief_b", "manager_c")
                  else staff_page(OK(302, "items"), only=EDITORS["A"])(p),
                  data=lambda w, p: {"code": "511A0000000020-D1-000-A-1-00", "base_code": "511A0000000020",
                                     "name": "新事项", "item_type": "licensing", "department": "A"}),
        ],
        "workbench/catalog/import/": [Probe("form", "GET", staff_page(only=any_editor)),
                                      Probe("upload", "POST", staff_page(REFUSED, only=any_editor),
                                            data=lambda w, p: {"file": SimpleUploadedFile("c.txt", b"no catalog")})],
        "workbench/catalog/import/<int:job_id>/": [
            Probe(label, "GET", staff_object({owner}), pk("jobs", label, "job_id"))
            for label, owner in (("job_manager", "manager"), ("job_manager_c", "manager_c"))],
        "^workbench/catalog/export\\.(?P<fmt>xlsx|json)$": [
            Probe(fmt, "GET", staff_page(), lambda w, fmt=fmt: {"fmt": fmt}, words_seen_by=lambda w: ITEM_WORDS)
            for fmt in ("json", "xlsx")],
        "workbench/catalog/<int:item_id>/": [Probe(key, "GET", staff_object(seen[key]), item(key)) for key in ("a", "c")],
        "workbench/catalog/<int:item_id>/preview/": [
            Probe(key, "GET", staff_object(seen[key]), item(key)) for key in ("draft", "c")],
        "workbench/catalog/<int:item_id>/edit/": [
            *[Probe(key, "GET", staff_object(seen[key], may=editors[key]), item(key)) for key in ("a", "c")],
            # An empty form: the editors get its errors (400), nobody else gets that far.
            *[Probe(f"{key}-post", "POST", staff_object(seen[key], REFUSED, may=editors[key]), item(key),
                    data=lambda w, p: {}) for key in ("a", "c")],
        ],
        "workbench/catalog/<int:item_id>/publish/": [
            Probe("draft", "POST", staff_object(seen["draft"], OK(302, "items"), may=editors["draft"]), item("draft"))],
        "workbench/catalog/<int:item_id>/materials/<int:order>/form/": [
            Probe("draft", "POST", staff_object(seen["draft"], OK(302, "items"), may=editors["draft"]),
                  lambda w: {"item_id": w.items["draft"].pk, "order": 1},
                  data=lambda w, p: {"kind": "template", "file": pdf("form.pdf")})],
    }


def _cases() -> dict[str, list[Probe]]:
    receivers = frozenset({"clerk", "town_clerk", "clerk_b", "clerk_c"})
    receipt = {"applicant_kind": "person", "applicant_name": "王五", "applicant_id_number": "110101199003070038",
               "applicant_phone": "13900000000", "decision": "correction",
               "correction": "食品经营许可申请书：缺少签字"}
    return {
        "workbench/cases/": [Probe("all", "GET", staff_page(), query="?view=all",  # the open cases
                                   lists_cases=("review_a", "review_b", "review_t", STEP_CASE),
                                   hides_cases=("case_c",))],
        "workbench/cases/receive/": [Probe("pick", "GET", staff_page(only=receivers), query="?q=食品")],
        "workbench/cases/receive/<str:code>/": [
            Probe("item_a", "GET", staff_page(only={"clerk", "town_clerk"}), lambda w: {"code": ITEM_A}),
            Probe("item_a-post", "POST", staff_page(OK(302, "cases", "events"), only={"clerk", "town_clerk"}),
                  lambda w: {"code": ITEM_A}, data=lambda w, p: dict(receipt)),
            Probe("unpublished", "GET", staff_page(HIDDEN, only=receivers), lambda w: {"code": ITEM_DRAFT}),
        ],
        "workbench/cases/<int:case_id>/": _case_pages(
            lambda label: Probe(label, "GET", staff_object(CASE_SEEN_BY[case_group(label)]), case_id(label)),
            STEP_CASE),
        "workbench/cases/<int:case_id>/notices/<int:notice_id>.pdf": [
            *_case_pages(lambda label: Probe(label, "GET", staff_object(CASE_SEEN_BY[case_group(label)]),
                                             lambda w, label=label: {"case_id": w.cases[label].pk,
                                                                     "notice_id": w.notices[label]}), STEP_CASE),
            # A notice of another case through a case one may see: none.
            Probe("other-notice", "GET", staff_object(CASE_SEEN_BY["a"], HIDDEN),
                  lambda w: {"case_id": w.cases["review_a"].pk, "notice_id": w.notices["case_c"]}),
        ],
        "workbench/cases/<int:case_id>/materials/<int:file_id>/": [
            *[Probe(label, "GET", staff_object(CASE_SEEN_BY[case_group(label)]),
                    lambda w, label=label: {"case_id": w.cases[label].pk, "file_id": w.files[label]})
              for label in ("review_a", "case_c")],
            Probe("other-file", "GET", staff_object(CASE_SEEN_BY["a"], HIDDEN),
                  lambda w: {"case_id": w.cases["review_a"].pk, "file_id": w.files["case_c"]}),
        ],
        "workbench/cases/<int:case_id>/<str:action>/": [
            *[Probe(act.action, "POST", _web_act(act),
                    lambda w, act=act: {"case_id": w.cases[act.case].pk, "action": act.action},
                    data=_web_form(act)) for act in ACTS],
            *[Probe(f"{act.action}-{act.case}", "POST", _web_act(act),
                    lambda w, act=act: {"case_id": w.cases[act.case].pk, "action": act.action},
                    data=_web_form(act)) for act in OTHER_STEP_ACTS],
            # An act only the system takes: nobody through the workbench.
            Probe("recompute_deadline", "POST", staff_object(CASE_SEEN_BY["a"], DENIED),
                  lambda w: {"case_id": w.cases["review_a"].pk, "action": "recompute_deadline"}),
        ],
    }


def _portal() -> dict[str, list[Probe]]:
    own = {"applicant_kind": "person"}

    def apply(w, persona):
        user = w.people.get(persona)
        return {**own, "applicant_name": getattr(user, "full_name", "王五"),
                "applicant_id_number": getattr(user, "id_number", "") or "110101199003070038",
                "applicant_phone": getattr(user, "phone", "") or "13900000000"}

    def progress(code):
        return lambda w, p: {"number": w.cases["review_a"].number, "query_code": code(w)}

    def my_act(label, action):
        return number(label, action=lambda w: action)

    return {
        "": [Probe("home", "GET", public(), absent=(DRAFT_NAME,))],
        "search/": [Probe("search", "GET", public(), query="?q=食品", absent=(DRAFT_NAME,))],
        "departments/<str:code>/": [Probe("A", "GET", public(), lambda w: {"code": "A"}, absent=(DRAFT_NAME,))],
        "themes/<str:code>/": [Probe("theme", "GET", public(), lambda w: {"code": THEME})],
        "items/<str:code>/": [Probe("published", "GET", public(), lambda w: {"code": ITEM_A}),
                              Probe("unpublished", "GET", public(HIDDEN), lambda w: {"code": ITEM_DRAFT})],
        "items/<str:code>/materials/<int:order>/<str:kind>/": [
            Probe("published", "GET", public(), lambda w: {"code": ITEM_A, "order": 1, "kind": "template"}),
            Probe("unpublished", "GET", public(HIDDEN), lambda w: {"code": ITEM_DRAFT, "order": 1, "kind": "template"}),
        ],
        "progress/": [
            Probe("form", "GET", public()),
            Probe("found", "POST", public(), data=progress(lambda w: w.cases["review_a"].query_code)),
            Probe("wrong-code", "POST", public(HIDDEN), data=progress(lambda w: w.cases["case_c"].query_code)),
        ],
        "my/cases/": [Probe("list", "GET", applicant_page(), lists_cases=PAGES_CASES)],
        "items/<str:code>/apply/": [
            Probe("form", "GET", applicant_page(), lambda w: {"code": ITEM_A}),
            Probe("draft", "POST", applicant_page(OK(302, "cases", "events")), lambda w: {"code": ITEM_A}, data=apply),
        ],
        "my/cases/<str:number>/": [Probe(label, "GET", applicant_page(case=label), number(label))
                                   for label in ("review_a", "case_c")],
        "my/cases/<str:number>/files/<int:file_id>/": [
            *[Probe(label, "GET", applicant_page(case=label),
                    lambda w, label=label: {"number": w.cases[label].number, "file_id": w.files[label]})
              for label in ("draft_a", "case_c")],
            # Someone else's file through one's own case: none.
            Probe("other-file", "GET", applicant_page(HIDDEN, case="draft_a"),
                  lambda w: {"number": w.cases["draft_a"].number, "file_id": w.files["case_c"]}),
        ],
        "my/cases/<str:number>/<str:action>/": [
            Probe("upload", "POST", applicant_page(OK(302, "cases", "events"), case="draft_a"),
                  my_act("draft_a", "upload"), data=lambda w, p: {"order": "1", "file": pdf()}),
            Probe("submit", "POST", applicant_page(OK(302, "cases", "events"), case="draft_a"),
                  my_act("draft_a", "submit")),
            Probe("resubmit", "POST", applicant_page(OK(302, "cases", "events"), case="correction_a"),
                  my_act("correction_a", "resubmit")),
            Probe("withdraw", "POST", applicant_page(OK(302, "cases", "events"), case="submitted_a"),
                  my_act("submitted_a", "withdraw"), data=lambda w, p: {"reason": "不办了"}),
        ],
        "verify/<str:code>/": [Probe("notice", "GET", public(), lambda w: {"code": w.verify_code}),
                               Probe("unknown", "GET", public(HIDDEN), lambda w: {"code": "NOSUCHCODE"})],
        "verify/<str:code>/notice.pdf": [Probe("notice", "GET", public(), lambda w: {"code": w.verify_code})],
    }


def _web() -> dict[str, list[Probe]]:
    recorders = frozenset({"manager", "sysadmin"})
    wall = DISTRICT | TOWN | OTHER_DISTRICT | EVERYWHERE | {"head", "chief_b"}

    def record(staff):
        return lambda w, p: {"staff": w.people[staff].pk, "day": "2026-03-03", "status": "leave", "note": "事假"}

    return {
        "workbench/": [Probe("home", "GET", logged_in())],
        "login/": [Probe("form", "GET", lambda p: OK() if p == ANONYMOUS else OK(302))],
        "logout/": [Probe("logout", "POST", public(OK(302)))],
        "org/": [Probe("overview", "GET", staff_page())],
        "org/staff/": [Probe("staff", "GET", staff_page())],
        "attendance/": [Probe("page", "GET", staff_page())],
        "attendance/sign-in/": [Probe("sign-in", "POST", staff_page(OK(302, "attendance")))],
        "attendance/sign-out/": [Probe("sign-out", "POST", staff_page(OK(302)))],
        # Managers record for the staff they lead; a manager of another
        # center naming someone he does not lead gets the field's refusal.
        "attendance/record/": [Probe("reviewer", "POST", lambda p: REFUSED if p in ("town_manager", "manager_c")
                                     else staff_page(OK(302, "attendance"), only=recorders)(p),
                                     data=record("reviewer"))],
        "calendar/": [Probe("page", "GET", logged_in())],
        "calendar/deadline/": [Probe("compute", "POST", logged_in(),
                                     data=lambda w, p: {"start": "2026-03-02", "days": "20", "extension": "0",
                                                        "pauses": ""})],
        "workbench/supervision/": [Probe("wall", "GET", staff_page(only=wall))],
        "workbench/stats/": [Probe("dashboard", "GET", staff_page(), query="?month=2026-03")],
        "workbench/stats/cases/": [
            Probe("received", "GET", staff_page(), query="?indicator=received&month=2026-03", lists_cases=PAGES_CASES),
            # A filter naming another scope's department or item: the field refuses it (400), no figures.
            Probe("department-c", "GET", lambda p: REFUSED if p in STAFF and p not in DEPARTMENT_SEEN_BY["C"]
                  else staff_page()(p), lists_cases=("case_c",),
                  query=lambda w: f"?indicator=received&month=2026-03&department={w.hall.dept_c.pk}"),
            Probe("item-c", "GET", lambda p: REFUSED if p in STAFF and p not in DEPARTMENT_SEEN_BY["C"]
                  else staff_page()(p), lists_cases=("case_c",),
                  query=f"?indicator=received&month=2026-03&item={ITEM_C}"),
        ],
        "workbench/stats/scores/": [Probe("scores", "GET", staff_page(), query="?month=2026-03")],
        "^workbench/stats/report\\.(?P<fmt>xlsx|pdf)$": [
            Probe(fmt, "GET", staff_page(), lambda w, fmt=fmt: {"fmt": fmt}, query="?month=2026-03",
                  personas=ONE_OF_EACH_KIND) for fmt in ("xlsx", "pdf")],
        "i18n/setlang/": [Probe("english", "POST", public(OK(302)), data=lambda w, p: {"language": "en", "next": "/"})],
        # The hall's own machines: health for anyone (a load balancer has no
        # login), metrics for the listed addresses (or the bearer token) only.
        "healthz": [Probe("database", "GET", public(), query="?check=database")],
        "metrics": [Probe("local", "GET", public()),
                    Probe("elsewhere", "GET", public(DENIED), environ={"REMOTE_ADDR": "203.0.113.9"})],
    }


def _evaluation() -> dict[str, list[Probe]]:
    with_window = frozenset({"clerk", "town_clerk", "clerk_b", "clerk_c"})

    def pad(label, served_by, outcome=SHOWN):
        def expect(persona):
            if persona == ANONYMOUS:
                return LOGIN
            if persona in APPLICANTS or persona not in with_window:
                return DENIED  # the pad is a window's: staff without a window have none
            return outcome if persona in served_by else HIDDEN
        return expect

    def rate(label):
        def expect(persona):
            if persona == ANONYMOUS:
                return LOGIN
            if persona not in APPLICANTS:
                return DENIED
            return OK(302, "ratings") if case_owner(label) == persona else HIDDEN
        return expect

    return {
        "my/ratings/<str:number>/": [Probe(label, "POST", rate(label), number(label),
                                           data=lambda w, p: {"level": "5"}) for label in ("delivered_a",)],
        "rate/<str:token>/": [
            Probe("page", "GET", public(), lambda w: {"token": w.rating_token}),
            Probe("rate", "POST", public(OK(200, "ratings")), lambda w: {"token": w.rating_token},
                  data=lambda w, p: {"level": "5"}),
            Probe("forged", "GET", public(REFUSED), lambda w: {"token": "forged-token"}),
        ],
        "workbench/rate/": [Probe("pick", "GET", staff_page(), hides_cases=PAGES_CASES)],
        "workbench/rate/<int:case_id>/": [
            Probe("delivered_a", "GET", pad("delivered_a", {"clerk"}), case_id("delivered_a")),
            Probe("delivered_a-rate", "POST", pad("delivered_a", {"clerk"}, OK(200, "ratings")),
                  case_id("delivered_a"), data=lambda w, p: {"level": "5"}),
            Probe("case_c", "GET", pad("case_c", {"clerk_c"}), case_id("case_c")),
        ],
        **_followups(),
    }


def _api() -> dict[str, list[Probe]]:
    from govhall.catalog.tests.factories import complete_spec

    def item(code):
        return lambda w: {"code": code}

    def new_item(w, persona):
        return complete_spec("A", code="511A0000000021-D1-000-A-1-00", name="新事项")

    receipt = {"item": ITEM_A, "center": "D1", "channel": "window", "applicant_name": "王五",
               "applicant_id_number": "110101199003070038", "applicant_phone": "13900000000"}
    probes = {
        "api/schema/": [Probe("schema", "GET", public(), personas=ONE_OF_EACH_KIND)],
        "api/docs/": [Probe("docs", "GET", public())],
        "api/catalog/items/": [Probe("list", "GET", public(), absent=(DRAFT_NAME,))],
        "api/catalog/items/<str:code>/": [Probe("published", "GET", public(), item(ITEM_A)),
                                          Probe("unpublished", "GET", public(HIDDEN), item(ITEM_DRAFT))],
        "api/catalog/themes/": [Probe("list", "GET", public())],
        "api/catalog/themes/<str:code>/": [Probe("theme", "GET", public(), item(THEME))],
        "api/catalog/manage/items/": [
            Probe("create", "POST", api_logged_in(OK(201, "items"), may=EDITORS["A"]), data=new_item, json=True)],
        "api/catalog/manage/items/<str:code>/": [
            Probe("a", "GET", api_staff_object(DEPARTMENT_SEEN_BY["A"]), item(ITEM_A)),
            Probe("c", "GET", api_staff_object(DEPARTMENT_SEEN_BY["C"]), item(ITEM_C)),
            Probe("a-put", "PUT", api_staff_object(DEPARTMENT_SEEN_BY["A"], OK(200, "items"), may=EDITORS["A"]),
                  item(ITEM_A), data=lambda w, p: complete_spec("A", name="食品经营许可（修订）"), json=True),
        ],
        "api/catalog/manage/items/<str:code>/publish/": [
            Probe("draft", "POST", api_staff_object(DEPARTMENT_SEEN_BY["A"], OK(200, "items"), may=EDITORS["A"]),
                  item(ITEM_DRAFT))],
        "api/cases/": [
            Probe("list", "GET", api_logged_in(), lists_cases=(*PAGES_CASES, STEP_CASE)),
            Probe("receive", "POST", api_logged_in(OK(201, "cases", "events"), may={"clerk", "town_clerk"}),
                  data=lambda w, p: dict(receipt), json=True, headers={"Idempotency-Key": "matrix-1"}),
        ],
        "api/cases/<str:number>/": [Probe(label, "GET", api_case(label), number(label))
                                    for label in (*PAGES_CASES, STEP_CASE)],
        "api/cases/<str:number>/events/": [Probe(label, "GET", api_case(label), number(label))
                                           for label in (*PAGES_CASES, STEP_CASE)],
        "api/cases/<str:number>/notices/<int:notice_id>.pdf": [
            Probe(label, "GET", api_case(label),
                  lambda w, label=label: {"number": w.cases[label].number, "notice_id": w.notices[label]})
            for label in PAGES_CASES],
        "api/cases/<str:number>/actions/<str:action>/": [
            Probe("recompute_deadline", "POST", public(HIDDEN),
                  lambda w: {"number": w.cases["review_a"].number, "action": "recompute_deadline"}, json=True)],
        "api/cases/<str:number>/rating/": [
            Probe("read", "GET", api_case("rated_a"), number("rated_a")),
            Probe("rate", "POST", api_case("delivered_a", OK(201, "ratings"), may={"applicant"}),
                  number("delivered_a"), data=lambda w, p: {"level": 5}, json=True),
        ],
        # Joint cases (read-only): the list in the caller's scope; one no one sees.
        "api/joint/cases/": [Probe("list", "GET", api_logged_in())],
        "api/joint/cases/<str:number>/": [Probe("unknown", "GET", api_logged_in(HIDDEN),
                                                lambda w: {"number": "D1-LB20260302-99999"})],
        "^api/(?P<rest>.*)$": [Probe("unknown", "GET", public(HIDDEN), path="/api/no-such-address/")],
    }
    for act in ACTS + OTHER_STEP_ACTS:
        multipart = act.action == "attach_material"
        probes.setdefault(f"api/cases/<str:number>/actions/{act.action}/", []).append(
            Probe(act.case, "POST", _api_act(act), number(act.case), data=_api_body(act), json=not multipart))
    return probes


# Joint approval (joint_world.py): who configures themes, who receives at a
# comprehensive window, who sees each joint case.
THEME_ADMINS = frozenset({"manager", "town_manager", "manager_c", "sysadmin"})
DISTRICT_THEMES = frozenset({"manager", "sysadmin"})  # the district's themes: its manager, administrators
COMPREHENSIVE = frozenset({"clerk", "town_clerk"})  # clerks at a comprehensive window
DISTRICT_WINDOWS = frozenset({"clerk", "clerk_b"})  # window staff of the district, where both were received
JOINT_SEEN_BY = {"two": DEPT_A | DEPT_B | DISTRICT | DISTRICT_WINDOWS | EVERYWHERE,
                 "one": DEPT_A | DISTRICT | DISTRICT_WINDOWS | EVERYWHERE}


def theme_admin_object(seen_by, outcome: Outcome = SHOWN) -> Expect:
    """A theme's page: theme administrators (403 for other staff), 404 outside their center."""
    def expect(persona):
        if persona == ANONYMOUS:
            return LOGIN
        if persona in APPLICANTS or persona not in THEME_ADMINS:
            return DENIED
        return outcome if persona in seen_by else HIDDEN
    return expect


def finding_of(w):
    """The finding waiting on ``joints["two"]``'s joint inspection (joint_world.py)."""
    from govhall.joint.models import JointFinding

    return JointFinding.objects.get(event__joint_case=w.joints["two"])


def _joint() -> dict[str, list[Probe]]:
    def theme(label, **more):
        return lambda w: {"theme_id": w.joint_themes[label].pk, **more}

    def joint_number(label, **more):
        return lambda w: {"number": w.joints[label].number, **more}

    def own_joint(label):
        def expect(persona):
            if persona == ANONYMOUS:
                return LOGIN
            if persona not in APPLICANTS:
                return DENIED
            return SHOWN if persona == "applicant" else HIDDEN
        return expect

    def online(w, persona):
        user = w.people.get(persona)  # staff and visitors are turned away before the form is read
        return {"applicant_kind": "person", "applicant_name": getattr(user, "full_name", "王五"),
                "applicant_id_number": getattr(user, "id_number", "") or "110101199003070038",
                "applicant_phone": getattr(user, "phone", "") or "13900000000", "file-0": pdf()}

    window = {"applicant_kind": "person", "applicant_name": "王五", "applicant_id_number": "110101199003070038",
              "applicant_phone": "13900000000", "materials": ["食品经营许可申请书"]}
    new_theme = {"center": "D1", "code": "matrix-new", "name": "新主题", "whole_days": "30", "description": ""}
    stages = {"stages-TOTAL_FORMS": "1", "stages-INITIAL_FORMS": "0", "stages-0-name": "一",
              "stages-0-lead_department": "A", "stages-0-items": [ITEM_A], "stages-0-depends_on": ""}

    def joint_words(w):
        return tuple((w.joints[label].number, JOINT_SEEN_BY[label]) for label in ("two", "one"))

    return {
        "workbench/joint/": [Probe("list", "GET", staff_page(), words_seen_by=joint_words)],
        "workbench/joint/themes/": [Probe("list", "GET", staff_page(only=THEME_ADMINS), words_seen_by=lambda w: (
            ("并联示例甲", DISTRICT_THEMES),))],
        "workbench/joint/themes/new/": [
            Probe("form", "GET", staff_page(only=THEME_ADMINS)),
            # Another center's manager naming the district: the field refuses it.
            Probe("create", "POST", lambda p: REFUSED if p in ("town_manager", "manager_c")
                  else staff_page(OK(302, "audit"), only=DISTRICT_THEMES)(p), data=lambda w, p: dict(new_theme)),
        ],
        "workbench/joint/themes/<int:theme_id>/": [
            Probe("published", "GET", theme_admin_object(DISTRICT_THEMES), theme("two")),
            Probe("configure-draft", "POST", theme_admin_object(DISTRICT_THEMES, OK(302, "audit")), theme("draft"),
                  data=lambda w, p: dict(stages)),
        ],
        "workbench/joint/themes/<int:theme_id>/publish/": [
            Probe("draft", "POST", theme_admin_object(DISTRICT_THEMES, OK(302, "audit")), theme("draft"))],
        "workbench/joint/themes/<int:theme_id>/revise/": [
            Probe("published", "POST", theme_admin_object(DISTRICT_THEMES, OK(302, "audit")), theme("two"))],
        "workbench/joint/receive/": [Probe("pick", "GET", staff_page(only=COMPREHENSIVE))],
        "workbench/joint/receive/<str:code>/": [
            Probe("form", "GET", staff_page(only=COMPREHENSIVE), lambda w: {"code": w.joint_themes["two"].code}),
            Probe("receive", "POST", staff_page(OK(302, "cases", "events", "audit"), only=COMPREHENSIVE),
                  lambda w: {"code": w.joint_themes["two"].code}, data=lambda w, p: dict(window)),
            Probe("draft", "GET", staff_page(HIDDEN, only=COMPREHENSIVE), lambda w: {"code": w.joint_themes["draft"].code}),
        ],
        "workbench/joint/<str:number>/": [Probe(label, "GET", staff_object(JOINT_SEEN_BY[label]), joint_number(label))
                                          for label in ("two", "one")],
        "workbench/joint/<str:number>/<str:action>/": [
            Probe("extend", "POST", staff_object(JOINT_SEEN_BY["two"], OK(302, "audit"), may=DISTRICT_THEMES),
                  joint_number("two", action="extend"),
                  data=lambda w, p: {"extend-days": "5", "extend-reason": "情况复杂", "extend-approved_by": "王副区长"}),
            # The unified delivery: at the district's window, with A's delivery grant.
            Probe("deliver", "POST", staff_object(JOINT_SEEN_BY["one"], OK(302, "cases", "events", "audit"),
                                                  may={"clerk"}),
                  joint_number("one", action="deliver"),
                  data=lambda w, p: {"deliver-method": "window", "deliver-received_by": "张三"}),
            # A joint event: scheduled by staff of the running stage's lead department (A).
            Probe("event", "POST", staff_object(JOINT_SEEN_BY["two"], OK(302, "audit"), may=DEPT_A),
                  joint_number("two", action="event"),
                  data=lambda w, p: {"event-kind": "inspection", "event-scheduled_on": "2099-01-04",
                                     "event-place": "项目现场",
                                     "event-sub_cases": [str(w.joints["two"].sub_cases.get().pk)]}),
            # Its finding: recorded by staff of the sub-case's department (A).
            Probe("finding", "POST", staff_object(JOINT_SEEN_BY["two"], OK(302, "audit"), may=DEPT_A),
                  joint_number("two", action="finding"),
                  data=lambda w, p: {"finding": str(finding_of(w).pk), f"finding{finding_of(w).pk}-outcome": "passed"}),
        ],
        "joint/": [Probe("themes", "GET", public(), absent=("并联示例草稿",))],
        "joint/<str:code>/apply/": [
            Probe("form", "GET", applicant_page(), lambda w: {"code": w.joint_themes["two"].code}),
            Probe("apply", "POST", applicant_page(OK(302, "cases", "events", "audit")),
                  lambda w: {"code": w.joint_themes["two"].code}, data=online),
            Probe("draft", "GET", applicant_page(HIDDEN), lambda w: {"code": w.joint_themes["draft"].code}),
        ],
        "my/joint/": [Probe("list", "GET", applicant_page(), words_seen_by=lambda w: tuple(
            (w.joints[label].number, frozenset({"applicant"})) for label in ("two", "one")))],
        "my/joint/<str:number>/": [Probe("two", "GET", own_joint("two"), joint_number("two"))],
    }


def _agency() -> dict[str, list[Probe]]:
    """Agency service (govhall/agency): an agent (role 代办员 — none in this
    world: the "agent" persona applies as an applicant) or a center manager."""
    managers = frozenset({"manager", "town_manager", "manager_c"})
    return {
        "workbench/agency/": [Probe("list", "GET", staff_page(only=managers))],
        "workbench/agency/new/": [
            Probe("form", "GET", staff_page(only=managers)),
            # no agent of theirs chosen: refused on the field, nothing written
            Probe("record", "POST", staff_page(REFUSED, only=managers),
                  data=lambda w, p: {"agent": "", "applicant_name": "王五", "document": pdf("授权书.pdf")}),
        ],
        "workbench/agency/<int:pk>/revoke/": [
            Probe("unknown", "POST", staff_page(HIDDEN, only=managers), lambda w: {"pk": 999999},
                  data=lambda w, p: {"reason": "申请人收回"})],
        "workbench/agency/cases/": [Probe("list", "GET", staff_page(only=frozenset()))],
        # The applicant's own page of the authorizations in his name (portal).
        "my/agency/": [Probe("list", "GET", applicant_page())],
        "my/agency/<int:pk>/revoke/": [
            Probe("unknown", "POST", applicant_page(HIDDEN), lambda w: {"pk": 999999},
                  data=lambda w, p: {"reason": "本人自行办理"})],
    }


def _green() -> dict[str, list[Probe]]:
    """Green channel and joint pre-review (govhall/web/green_views.py): the
    page to whoever sees the case or joint case; the flag by a center
    manager of its center or one above it (not the system administrator)."""
    flag = {"action": "flag", "reason": "重点项目"}
    return {
        "workbench/green/cases/<int:case_id>/": [
            *_case_pages(lambda label: Probe(label, "GET", staff_object(CASE_SEEN_BY[case_group(label)]),
                                             case_id(label))),
            Probe("flag-a", "POST", staff_object(CASE_SEEN_BY["a"], OK(302, "cases", "events"), may={"manager"}),
                  case_id("review_a"), data=lambda w, p: dict(flag)),
            # The town's case: its own manager and the district's, above it.
            Probe("flag-t", "POST", staff_object(CASE_SEEN_BY["t"], OK(302, "cases", "events"),
                                                 may={"manager", "town_manager"}),
                  case_id("review_t"), data=lambda w, p: dict(flag)),
        ],
        "workbench/green/joint/<str:number>/": [
            Probe("two", "GET", staff_object(JOINT_SEEN_BY["two"]), lambda w: {"number": w.joints["two"].number}),
            Probe("flag", "POST", staff_object(JOINT_SEEN_BY["two"], OK(302, "audit"), may={"manager"}),
                  lambda w: {"number": w.joints["two"].number}, data=lambda w, p: dict(flag)),
        ],
        # The tracking card: the search box for any staff; a card opens the
        # project (and records the contact) for whoever sees it.
        "workbench/track/": [Probe("search", "GET", staff_page())],
        "workbench/track/<str:number>/": [
            Probe("two", "GET", staff_object(JOINT_SEEN_BY["two"]), lambda w: {"number": w.joints["two"].number})],
        "workbench/track/<str:number>/card.pdf": [
            Probe("two", "GET", staff_object(JOINT_SEEN_BY["two"]), lambda w: {"number": w.joints["two"].number})],
    }


def _hotline() -> dict[str, list[Probe]]:
    """The 12345 hotline (govhall/hotline): the intake page for its
    operators; the hotline's list for center and global roles; a unit's
    list for member-unit handlers; an order page for whoever sees the order
    (the district's staff of center roles, everywhere roles, and the unit it
    was dispatched to), its acts for the role the policy names."""
    operators = frozenset({"hotline"})
    readers = DISTRICT | TOWN | OTHER_DISTRICT | EVERYWHERE
    seen_b = DISTRICT | EVERYWHERE | {"unit_b"}
    seen_a = DISTRICT | EVERYWHERE

    def order(label):
        return lambda w: {"number": w.orders[label].number}

    def numbers(w):
        return ((w.orders["order_b"].number, seen_b), (w.orders["order_a"].number, seen_a))

    return {
        "workbench/hotline/intake/": [
            Probe("form", "GET", staff_page(only=operators)),
            # no content: refused on the field, nothing written
            Probe("register", "POST", staff_page(REFUSED, only=operators),
                  data=lambda w, p: {"caller_phone": "13912340000", "type": "complaint", "content": "",
                                     "urgency": "normal", "step": "register"}),
        ],
        "workbench/hotline/intake/history/": [
            Probe("history", "GET", staff_page(only=operators), query="?caller_phone=13912340000",
                  words_seen_by=numbers)],
        "workbench/hotline/": [Probe("list", "GET", staff_page(only=readers), words_seen_by=numbers)],
        "workbench/hotline/unit/": [
            Probe("list", "GET", staff_page(only=frozenset({"unit_b"})), words_seen_by=numbers)],
        # the operation bulletin: the center's managers (their center) and supervisors; operators 403
        "workbench/hotline/bulletin/": [
            Probe("page", "GET", staff_page(only=frozenset({"manager", "town_manager", "manager_c", "supervisor"})),
                  query="?month=2026-03")],
        "workbench/hotline/<str:number>/": [
            Probe("order_b", "GET", staff_object(seen_b), order("order_b")),
            Probe("order_a", "GET", staff_object(seen_a), order("order_a")),
        ],
        "workbench/hotline/<str:number>/<slug:act>/": [
            Probe("sign", "POST", staff_object(seen_b, OK(302, "orders", "order_events"), may={"unit_b"}),
                  lambda w: {"number": w.orders["order_b"].number, "act": "sign"}),
            Probe("return", "POST", staff_object(seen_b, OK(302, "orders", "order_events"), may={"unit_b"}),
                  lambda w: {"number": w.orders["order_b"].number, "act": "return"},
                  data=lambda w, p: {"text": "不属本单位职责"}),
        ],
        # An order's attachment: for whoever sees the order; through another order, none.
        "workbench/hotline/<str:number>/files/<int:file_id>/": [
            Probe("file_b", "GET", staff_object(seen_b), lambda w: {
                "number": w.orders["order_b"].number, "file_id": w.orders["order_b"].attachments.get().pk}),
            Probe("other-file", "GET", staff_object(seen_a, HIDDEN), lambda w: {
                "number": w.orders["order_a"].number, "file_id": w.orders["order_b"].attachments.get().pk}),
        ],
        # The API (hotline/orders_api.py): registering for the operators; the list and an order
        # in the caller's scope (404 outside it, applicants included).
        "api/hotline/orders/": [
            Probe("list", "GET", api_logged_in(), words_seen_by=numbers),
            Probe("register", "POST", api_logged_in(OK(201, "orders", "order_events"), may=operators),
                  data=lambda w, p: {"type": "consult", "content": "社保卡怎么补办？", "caller_phone": "13900000001"},
                  json=True),
        ],
        "api/hotline/orders/<str:number>/": [
            Probe("order_b", "GET", api_staff_object(seen_b), order("order_b")),
            Probe("order_a", "GET", api_staff_object(seen_a), order("order_a")),
        ],
        # An order's attachment through the API: as the workbench's, for token clients too.
        "api/hotline/orders/<str:number>/files/<int:file_id>/": [
            Probe("file_b", "GET", api_staff_object(seen_b), lambda w: {
                "number": w.orders["order_b"].number, "file_id": w.orders["order_b"].attachments.get().pk}),
            Probe("other-file", "GET", api_staff_object(seen_a, HIDDEN), lambda w: {
                "number": w.orders["order_a"].number, "file_id": w.orders["order_b"].attachments.get().pk}),
        ],
        **_hotline_api_acts(order, operators, seen_b),
    }


def _hotline_api_acts(order, operators, seen_b) -> dict[str, list[Probe]]:
    """One row per act of the orders' API, on order_b (dispatched to unit B's
    unit): the role the policy names may (an act that does not start from
    "dispatched" is refused on its state, 400, nothing written); whoever
    else sees the order 403; the others 404."""
    unit = frozenset({"unit_b"})
    effect = OK(200, "orders", "order_events")
    acts = (
        ("dispatch", operators, REFUSED, {"main_unit": "U-A"}),
        ("close_direct", operators, REFUSED, {"answer": "已答复"}),
        ("sign", unit, effect, {}),
        ("reply", unit, REFUSED, {"reply": "已处理"}),
        ("return", unit, effect, {"reason": "不属本单位职责"}),
        ("extension_ask", unit, REFUSED, {"days": 3, "reason": "需现场勘查"}),
        ("extension_decide", frozenset(), effect, {"approve": True}),  # the hotline office only: no persona here
        ("close", operators, REFUSED, {"solved": True}),
        ("reopen", operators, REFUSED, {"reason": "仍未解决"}),
    )
    rows = {f"api/hotline/orders/<str:number>/actions/{act}/": [
        Probe("order_b", "POST", api_staff_object(seen_b, outcome, may=may), order("order_b"),
              data=lambda w, p, body=body: dict(body), json=True)] for act, may, outcome, body in acts}
    rows["api/hotline/orders/<str:number>/actions/merge/"] = [
        Probe("into-a", "POST", api_staff_object(seen_b, OK(200, "orders", "order_events"), may=operators),
              order("order_b"), data=lambda w, p: {"parent": w.orders["order_a"].number, "reason": "同一事项"},
              json=True)]
    # Files (multipart): the hotline's staff and a unit the order is dispatched to.
    rows["api/hotline/orders/<str:number>/actions/attach/"] = [
        Probe("pdf", "POST", api_staff_object(seen_b, effect, may=operators | unit), order("order_b"),
              data=lambda w, p: {"file": SimpleUploadedFile("现场.pdf", sample_pdf())})]
    # The urging note: a unit's handler (the superior's is the service's check: order_b has no escalation).
    rows["api/hotline/orders/<str:number>/actions/escalation_note/"] = [
        Probe("note", "POST", api_staff_object(seen_b, REFUSED, may=unit), order("order_b"),
              data=lambda w, p: {"escalation": 1, "note": "请尽快办理"}, json=True)]
    return rows


def _knowledge() -> dict[str, list[Probe]]:
    """The hotline's knowledge base (hotline/knowledge*.py): read by the
    hotline's operators, member units' handlers (their unit's entries) and
    everywhere roles; written by operators and units; withdrawn by the
    office or the source unit (``unit_b``'s unit is the entry's source)."""
    readers = frozenset({"hotline", "unit_b"}) | EVERYWHERE
    writers = frozenset({"hotline", "unit_b"})

    def entry(**more):
        return lambda w: {"pk": w.knowledge["published"].entry_id, **more}

    return {
        "workbench/hotline/intake/knowledge/": [
            Probe("suggest", "GET", staff_page(only=readers), query="?content=家里停水了")],
        "workbench/hotline/intake/knowledge/pick/": [
            Probe("pick", "GET", staff_page(only=readers), query=lambda w: f"?key=k{w.knowledge['published'].pk}")],
        "workbench/hotline/knowledge/": [Probe("list", "GET", staff_page(only=readers))],
        "workbench/hotline/knowledge/new/": [Probe("form", "GET", staff_page(only=writers))],
        "workbench/hotline/knowledge/<int:pk>/": [Probe("entry", "GET", staff_object(readers), entry())],
        "workbench/hotline/knowledge/<int:pk>/edit/": [
            Probe("form", "GET", staff_object(readers, may=writers), entry())],
        "workbench/hotline/knowledge/<int:pk>/<slug:act>/": [
            Probe("withdraw", "POST", staff_object(readers, OK(302, "audit"), may={"unit_b"}), entry(act="withdraw"),
                  data=lambda w, p: {"version": w.knowledge["published"].pk, "note": "不再适用"})],
        "api/hotline/knowledge/": [
            Probe("search", "GET", api_logged_in(may=readers), query="?q=家里停水了")],
    }


def _hall() -> dict[str, list[Probe]]:
    """The hall (govhall/hall): the kiosk, ticket and display pages for
    everyone; the calling panel for staff placed at a window (a window's
    queue and tickets for its own clerks: another window's are not found);
    the categories page for center managers and administrators (a window of
    another center is not found); the API's numbers for anyone logged in,
    a ticket's status by its code for everyone. Appointments: booking and
    one's own bookings for applicants, the kiosk's check-in for everyone,
    slot patterns for the center's managers; statistics and staffing for
    managers (their center and below), supervisors and administrators."""
    at_window = frozenset({"clerk", "town_clerk", "clerk_b", "clerk_c"})
    managers = frozenset({"manager", "town_manager", "manager_c", "sysadmin"})

    def scoped(kind, owners, outcome):
        """For ``kind`` of persona (the others 403): ``outcome`` for
        ``owners``, the rest of the kind 404."""
        def expect(persona):
            if persona == ANONYMOUS:
                return LOGIN
            if persona not in kind:
                return DENIED
            return outcome if persona in owners else HIDDEN
        return expect

    def window_b(outcome):
        return scoped(at_window, {"clerk_b"}, outcome)

    def district_window(outcome):
        return scoped(managers, {"manager", "sysadmin"}, outcome)

    roster_readers = at_window | managers | {"chief_b", "supervisor"}

    def roster_district(outcome):
        def expect(persona):
            if persona == ANONYMOUS:
                return LOGIN
            if persona not in roster_readers:
                return DENIED
            if persona in {"manager", "sysadmin"}:
                return outcome
            return DENIED if persona in {"clerk", "clerk_b", "chief_b", "supervisor"} else HIDDEN
        return expect

    def center(w):
        return {"center": w.hall.district.code}

    # Hall statistics and staffing: center managers (their center and
    # below), supervisors (read only) and administrators; the district's
    # figures named in the query are outside the town's and the other
    # district's managers' choice (the form's center field refuses, 400).
    stats_readers = managers | {"supervisor"}

    def stats_district(persona):
        outcome = staff_page(only=stats_readers)(persona)
        return REFUSED if outcome == SHOWN and persona in {"town_manager", "manager_c"} else outcome

    def stats_query(w):
        return f"?center={w.hall.district.pk}&first=2026-03-02&last=2026-03-03"

    # Appointments: applicants book and cancel their own (another's code is
    # not found: 404); staff are refused (403); the district's slot pattern
    # is set by its managers and administrators (another center's not found).
    def own_booking(outcome):
        return scoped(APPLICANTS, {"applicant"}, outcome)

    def api_own_booking(persona):
        return DENIED if persona == ANONYMOUS else own_booking(OK(200, "audit"))(persona)

    def booking_code(w):
        return {"code": w.appointments["booked"].code}

    def category_a(w):
        return w.appointments["booked"].category_id

    appointments = {
        "appointments/": [
            Probe("page", "GET", applicant_page(), query=lambda w: f"?category={category_a(w)}"),
            Probe("book", "POST", applicant_page(OK(302, "audit")),
                  data=lambda w, p: {"category": category_a(w), "start": "2026-03-05T09:00:00+08:00"})],
        "my/appointments/": [Probe("page", "GET", applicant_page())],
        "my/appointments/<str:code>/cancel/": [Probe("cancel", "POST", own_booking(OK(302, "audit")), booking_code)],
        # Not yet the booking's check-in time (it is the next day's): 400, nothing issued.
        "hall/<str:center>/kiosk/checkin/": [
            Probe("page", "GET", public(), center),
            Probe("early", "POST", public(REFUSED), center,
                  data=lambda w, p: {"code": w.appointments["booked"].code})],
        "workbench/hall/appointments/": [
            Probe("page", "GET", staff_page(only=managers), query=lambda w: f"?category={category_a(w)}")],
        "workbench/hall/appointments/<int:category_id>/pattern/": [
            Probe("category_a", "POST", district_window(OK(302, "audit")), lambda w: {"category_id": category_a(w)},
                  data=lambda w, p: {"weekdays": ["0", "1", "2"], "periods": "14:00-17:00", "minutes": 30,
                                     "capacity": 2})],
        "workbench/hall/stats/": [
            Probe("page", "GET", staff_page(only=stats_readers)),
            Probe("district", "GET", stats_district, query=stats_query)],
        "workbench/hall/staffing/": [
            Probe("page", "GET", staff_page(only=stats_readers)),
            Probe("district", "GET", stats_district, query=stats_query)],
        "api/hall/slots/": [Probe("slots", "GET", public(), query="?center=D1&category=A")],
        "api/hall/appointments/": [
            Probe("book", "POST", api_logged_in(OK(201, "audit"), may=APPLICANTS),
                  data=lambda w, p: {"center": "D1", "category": "A", "start": "2026-03-05T09:00:00+08:00"},
                  json=True)],
        "api/hall/appointments/<str:code>/cancel/": [
            Probe("cancel", "POST", api_own_booking, booking_code, json=True)],
    }

    return appointments | {
        "hall/<str:center>/guide/": [Probe("guide", "GET", public(), center)],
        # The touch screen's item guide and progress query: public, as the portal's.
        "hall/<str:center>/guide/items/<str:code>/": [
            Probe("item", "GET", public(), lambda w: {"center": w.hall.district.code, "code": ITEM_A})],
        "hall/<str:center>/guide/progress/": [Probe("progress", "GET", public(), center)],
        "hall/<str:center>/kiosk/": [Probe("kiosk", "GET", public(), center)],
        # Numbers from the portal: the page for everyone (a number needs an
        # applicant's account or a phone, within the hall's hours).
        "hall/<str:center>/online/": [Probe("online", "GET", public(), center)],
        "hall/<str:center>/display/": [Probe("display", "GET", public(), center)],
        "hall/<str:center>/display/calls/": [Probe("calls", "GET", public(), center)],
        "hall/ticket/<str:code>/": [Probe("ticket", "GET", public(), lambda w: {"code": w.tickets["waiting"].code})],
        "workbench/hall/": [Probe("panel", "GET", staff_page(only=at_window))],
        "workbench/hall/<int:window_id>/queue/": [
            Probe("window_b", "GET", window_b(SHOWN), lambda w: {"window_id": w.hall.window_b.pk})],
        # clerk_b has not signed in that day: sent back to the panel, nothing called
        "workbench/hall/<int:window_id>/call/": [
            Probe("window_b", "POST", window_b(OK(302)), lambda w: {"window_id": w.hall.window_b.pk})],
        "workbench/hall/tickets/<int:ticket_id>/<str:action>/": [
            Probe("recall", "POST", window_b(OK(302)),
                  lambda w: {"ticket_id": w.tickets["called"].pk, "action": "recall"})],
        "workbench/hall/categories/": [Probe("page", "GET", staff_page(only=managers))],
        # The duty roster: read by managers (their centers), supervisors,
        # administrators and window clerks (their own center); set by the
        # district's managers and administrators — another center is not found.
        "workbench/hall/roster/": [
            Probe("page", "GET", staff_page(only=roster_readers)),
            Probe("week", "POST", roster_district(OK(302, "audit")),
                  data=lambda w, p: {"center": w.hall.district.pk, "week": "2026-03-09"})],
        "workbench/hall/windows/<int:window_id>/categories/": [
            Probe("window_b", "POST", district_window(OK(302, "audit")), lambda w: {"window_id": w.hall.window_b.pk},
                  data=lambda w, p: {"categories": [w.tickets["called"].category_id]})],
        "api/hall/tickets/": [
            Probe("issue", "POST", api_logged_in(OK(201, "audit")), data=lambda w, p: {"center": "D1", "category": "A"},
                  json=True)],
        "api/hall/tickets/<str:code>/": [
            Probe("status", "GET", public(), lambda w: {"code": w.tickets["waiting"].code})],
    }


def _open311() -> dict[str, list[Probe]]:
    """Open311 GeoReport v2 (govhall/hotline/open311.py): the reads are
    public (never a caller's number); a POST needs an api_key, so a session
    of any login is refused (403) and nothing is written."""
    def fmt(value, **more):
        return lambda w: {"fmt": value, **more}

    base = "open311/v2/"
    return {
        base + r"^discovery\.(?P<fmt>json|xml)$": [Probe("discovery", "GET", public(), fmt("json"))],
        base + r"^services\.(?P<fmt>json|xml)$": [
            Probe("services", "GET", public(), fmt("xml"), query="?jurisdiction_id=D1")],
        base + r"^services/(?P<service_code>[^/]+?)\.(?P<fmt>json|xml)$": [
            Probe("unknown", "GET", public(HIDDEN), fmt("json", service_code="none"), query="?jurisdiction_id=D1")],
        base + r"^requests\.(?P<fmt>json|xml)$": [
            Probe("list", "GET", public(), fmt("json"), query="?jurisdiction_id=D1", absent=("13912340000",)),
            Probe("create", "POST", public(DENIED), fmt("json"),
                  data=lambda w, p: {"service_code": "0101", "description": "路灯不亮", "lat": "30.1", "long": "106.1",
                                     "attribute[type]": "help"}),
        ],
        base + r"^requests/(?P<service_request_id>[^/]+?)\.(?P<fmt>json|xml)$": [
            Probe("unknown", "GET", public(HIDDEN), fmt("xml", service_request_id="D1-H20260302-99999"),
                  query="?jurisdiction_id=D1")],
        base + "^(?P<rest>.*)$": [Probe("unknown", "GET", public(HIDDEN), path="/open311/v2/no-such-address.json")],
    }


def _suggest() -> dict[str, list[Probe]]:
    """Dispatch suggestions (hotline/suggest*.py): the intake panel, the
    pick and the API for the hotline's operators; the model page (accuracy,
    retraining, history import) for the center's managers, the hotline
    office and administrators, each for their own center."""
    operators = frozenset({"hotline"})
    managers = frozenset({"manager", "town_manager", "manager_c", "sysadmin"})
    return {
        "workbench/hotline/intake/suggest/": [
            Probe("panel", "GET", staff_page(only=operators), query="?content=家里停水了")],
        "workbench/hotline/intake/suggest/pick/": [
            Probe("pick", "GET", staff_page(only=operators),
                  query=lambda w: f"?field=main_unit&value={w.orders['order_b'].main_unit_id}")],
        "workbench/hotline/suggest/": [Probe("page", "GET", staff_page(only=managers))],
        # too little history: a training row and its audit event, no model file
        "workbench/hotline/suggest/train/": [Probe("train", "POST", staff_page(OK(302, "audit"), only=managers))],
        "api/hotline/suggest/": [
            Probe("suggest", "POST", api_logged_in(may=operators), data=lambda w, p: {"text": "家里停水了"},
                  json=True)],
    }


def _portal_hotline() -> dict[str, list[Probe]]:
    """The portal's 12345 form (portal/hotline_views.py): visitors and
    applicants file and follow orders, staff are sent to the workbench
    (403); an applicant's own list and orders ("我的诉求")."""
    def citizens(outcome: Outcome = SHOWN) -> Expect:
        return lambda persona: outcome if persona in (ANONYMOUS, *APPLICANTS) else DENIED

    def query(order, code):
        def data(w, p):
            from govhall.hotline.portal import order_query_code

            return {"number": w.orders[order].number, "query_code": order_query_code(w.orders[code])}
        return data

    return {
        "hotline/": [
            Probe("form", "GET", citizens()),
            Probe("file", "POST", citizens(OK(302, "orders", "order_events")),
                  data=lambda w, p: {"type": "consult", "content": "社保卡怎么补办？", "phone": "13900000001"}),
        ],
        "hotline/done/": [Probe("none", "GET", public(OK(302)))],
        "hotline/query/": [
            Probe("form", "GET", public()),
            Probe("found", "POST", public(), data=query("order_b", "order_b")),
            Probe("wrong-code", "POST", public(HIDDEN), data=query("order_b", "order_a")),
        ],
        # A file the caller filed: its applicant or a session that found the order by number and
        # query code; a staff member's file on a telephone order: nobody here.
        "hotline/files/<str:number>/<int:file_id>/": [
            Probe("staff-file", "GET", public(HIDDEN), lambda w: {
                "number": w.orders["order_b"].number, "file_id": w.orders["order_b"].attachments.get().pk})],
        "my/hotline/": [Probe("list", "GET", applicant_page())],
        # An order taken by telephone is nobody's on the portal.
        "my/hotline/<str:number>/": [
            Probe("not-own", "GET", applicant_page(HIDDEN), lambda w: {"number": w.orders["order_b"].number})],
    }


def _categories() -> dict[str, list[Probe]]:
    """The hotline's category tree (hotline/category_views.py): the tree,
    add, rename/deactivate and the xlsx/json import, for the hotline office
    and system administrators (no other persona here may)."""
    setup = frozenset({"sysadmin"})

    def category(w):
        from govhall.hotline.models import Category

        return {"pk": Category.objects.get(code="01").pk}

    def upload(w, p):
        return {"file": SimpleUploadedFile("categories.json", '[{"code": "02", "name": "交通出行"}]'.encode(),
                                           content_type="application/json")}

    return {
        "workbench/hotline/categories/": [
            Probe("tree", "GET", staff_page(only=setup)),
            Probe("add", "POST", staff_page(OK(302, "audit"), only=setup),
                  data=lambda w, p: {"new-code": "03", "new-name": "教育"})],
        "workbench/hotline/categories/import/": [
            Probe("import", "POST", staff_page(OK(302, "audit"), only=setup), data=upload)],
        "workbench/hotline/categories/<int:pk>/": [
            Probe("rename", "POST", staff_page(OK(302, "audit"), only=setup), kwargs=category,
                  data=lambda w, p: {f"c{category(w)['pk']}-name": "城乡建设管理", f"c{category(w)['pk']}-active": "on"})],
    }


def entries() -> dict[str, list[Probe]]:
    table = {}
    for part in (_portal(), _web(), _cases(), _catalog(), _alerts(), _evaluation(), _api(), _joint(), _agency(),
                 _green(), _hotline(), _hall(), _open311(), _knowledge(), _suggest(), _categories(),
                 _portal_hotline()):
        overlap = set(table) & set(part)
        assert not overlap, f"patterns in two parts of the table: {sorted(overlap)}"
        table.update(part)
    # A public page answers everyone alike: one persona of each kind tries it.
    return {pattern: [replace(p, personas=ONE_OF_EACH_KIND) if getattr(p.expect, "public", False) else p
                      for p in probes] for pattern, probes in table.items()}


ENTRIES = entries()

# The Django admin as one group: system administrators only (is_staff
# follows that role); everyone else is sent to the admin's login page.
ADMIN_PREFIX = "admin/"


def url_of(probe: Probe, name: str | None, world: World) -> str:
    query = probe.query(world) if callable(probe.query) else probe.query
    return (probe.path or reverse(name, kwargs=probe.kwargs(world))) + query
