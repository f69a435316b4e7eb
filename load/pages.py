"""How the load run's simulated people read govhall's pages and fill in its
forms, as a browser would: no Django and no locust here, so the suite can
check these against the real pages (govhall/web/tests/test_load_pages.py)
and locust can use them (load/locustfile.py).
"""

import random
import re
import struct
import uuid
import zlib
from html.parser import HTMLParser

CASE_LINK = re.compile(r'href="/workbench/cases/(\d+)/"')
ACTION_FORM = re.compile(r'action="/workbench/cases/\d+/(\w+)/"')

# Actions a member of staff takes from his work list, in order of preference:
# the ordinary path (refusals, corrections and pauses asked for are not
# load). ``accept`` before ``check_materials``: a check may be repeated,
# acceptance is offered once every required material is 合格. Fees are left
# to the hall's cashier (a wrong amount raises an alert).
STAFF_ACTIONS = ["complete_step", "approve", "accept", "check_materials", "certify", "deliver", "close",
                 "suspend", "extend", "resume"]
# What an empty input of an action form gets, by its name after the prefix.
FILL = {"opinion": "同意。", "reason": "按规定办理。", "certificate_number": "LOAD-{n}",
        "received_by": "申请人本人", "days": "5"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


class _Forms(HTMLParser):
    """Every form of a page: its action, the fields as a browser posts them
    untouched (checked boxes and radios, the selected or first option, the
    text of text areas) and the options of each radio group."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = self._first_option = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": [], "radios": {}})
            return
        name = a.get("name")
        if not self.forms or not name and tag != "option":
            return
        form = self.forms[-1]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "radio":
                form["radios"].setdefault(name, []).append(a.get("value", "on"))
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    form["fields"].append((name, a.get("value", "on")))
            elif kind not in {"submit", "button", "file", "image", "reset"}:
                form["fields"].append((name, a.get("value", "")))
        elif tag == "select":
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                form["fields"].append((self._select, a.get("value", "")))
                self._select = None
        elif tag == "textarea":
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if not self.forms:
            return
        if tag == "select" and self._select:
            self.forms[-1]["fields"].append((self._select, self._first_option or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1]["fields"].append((self._textarea[0], self._textarea[1].strip("\n")))
            self._textarea = None


def page_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_with(html: str, *, action_end: str = "", field: str = "") -> dict | None:
    """The page's first form whose action ends with ``action_end``, or that has the field ``field``."""
    for form in page_forms(html):
        if action_end and form["action"].endswith(action_end):
            return form
        if field and any(name == field for name, _value in form["fields"]):
            return form
    return None


def replaced(fields: list[tuple], **values) -> list[tuple]:
    """The fields with some set to new values (a list: that many fields of the name)."""
    kept = [(name, value) for name, value in fields if name not in values]
    for name, value in values.items():
        kept.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    return kept


def multipart(fields: list[tuple], files: list[tuple]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type; ``files`` are
    (field, file name, content type, bytes)."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
              f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n"
              for name, filename, content_type, content in files]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def scan_png() -> bytes:
    """A small valid PNG (a grey 8×8 scan), made without an image library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def id_number(rng: random.Random) -> str:
    """A resident identity number of 广安区 (511602) with its GB 11643 check character."""
    body = f"511602{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def person(rng: random.Random) -> dict:
    """The applicant a clerk types in at the window."""
    return {"applicant_kind": "person",
            "applicant_name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "applicant_id_number": id_number(rng),
            "applicant_phone": f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"}


def client_ip(rng: random.Random) -> str:
    """An address in 198.18.0.0/15 (RFC 2544's benchmarking range): only
    ever a header value the server reads behind its trusted proxy, never a
    destination."""
    return f"198.{rng.randint(18, 19)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def staff_action(detail: str, case_id: str, rng: random.Random) -> tuple[str, list[tuple]] | None:
    """The first ordinary action the case page offers, and its form filled
    in as the member of staff would; None when it offers none of them."""
    offered = set(ACTION_FORM.findall(detail))
    action = next((a for a in STAFF_ACTIONS if a in offered), None)
    if action is None:
        return None
    form = form_with(detail, action_end=f"/{case_id}/{action}/")
    n = rng.randint(1, 10**9)
    fill = {name: FILL[name.removeprefix(f"{action}-")].format(n=n) for name, value in form["fields"]
            if not value and name.removeprefix(f"{action}-") in FILL}
    if action == "check_materials":  # every material found 合格, the originals seen
        fill.update({name: "ok" for name in form["radios"] if name.startswith(f"{action}-verdict_")})
    return action, replaced(form["fields"], **fill)
