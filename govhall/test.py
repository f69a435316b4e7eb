"""Personas for tests, built through the real services (STYLE 13).

A small hall: a city center with a district center below it, a town center
below that; department A (审批局) and department B (住建局) at the district;
a comprehensive window and a dedicated window of B; and the people:

- ``applicant`` — a citizen, 张三, with his identity number on his account;
- ``clerk`` — comprehensive-window clerk, authorized to accept A's items;
- ``reviewer``, ``approver``, ``head`` — department A;
- ``clerk_b`` — dedicated clerk of department B, who must not see A's data;
- ``manager`` — district center manager; ``town_manager`` — town manager;
- ``supervisor`` — read-only, sees everything; ``admin`` — system admin;
- ``hotline`` — hotline operator of the district.
"""

from dataclasses import dataclass

from govhall.core.actors import SYSTEM
from govhall.org import services as org
from govhall.org.models import Action, Center, CenterLevel, Department, User, Window, WindowKind
from govhall.org.roles import Role

PASSWORD = "persona-password"


@dataclass
class Hall:
    city: Center
    district: Center
    town: Center
    dept_a: Department
    dept_b: Department
    comprehensive: Window
    window_b: Window
    applicant: User
    clerk: User
    reviewer: User
    approver: User
    head: User
    clerk_b: User
    manager: User
    town_manager: User
    supervisor: User
    admin: User
    hotline: User


def build_hall() -> Hall:
    city = org.center_create(actor=SYSTEM, code="C1", name="示例市政务服务中心", level=CenterLevel.CITY)
    district = org.center_create(actor=SYSTEM, code="D1", name="示例区政务服务中心", level=CenterLevel.DISTRICT, parent=city)
    town = org.center_create(actor=SYSTEM, code="T1", name="示例镇便民服务中心", level=CenterLevel.TOWN, parent=district)
    dept_a = org.department_create(actor=SYSTEM, center=district, code="A", name="示例区行政审批局", short_name="审批局")
    dept_b = org.department_create(actor=SYSTEM, center=district, code="B", name="示例区住房和城乡建设局", short_name="住建局")
    comprehensive = org.window_create(actor=SYSTEM, center=district, number="01", name="综合窗口", kind=WindowKind.COMPREHENSIVE)
    window_b = org.window_create(actor=SYSTEM, center=district, number="11", name="住建窗口", kind=WindowKind.DEDICATED, department=dept_b)

    def user(username, role, **kw):
        kw.setdefault("full_name", username)
        return org.user_create(actor=SYSTEM, username=username, password=PASSWORD, role=role, **kw)

    hall = Hall(
        city=city, district=district, town=town, dept_a=dept_a, dept_b=dept_b,
        comprehensive=comprehensive, window_b=window_b,
        applicant=user("applicant", Role.APPLICANT, full_name="张三", phone="13912345678", id_number="110101199003070011"),
        clerk=user("clerk", Role.CLERK, center=district, window=comprehensive, phone="13800000001"),
        reviewer=user("reviewer", Role.REVIEWER, department=dept_a),
        approver=user("approver", Role.APPROVER, department=dept_a),
        head=user("head", Role.DEPARTMENT_HEAD, department=dept_a),
        clerk_b=user("clerk_b", Role.CLERK, department=dept_b, window=window_b),
        manager=user("manager", Role.CENTER_MANAGER, center=district),
        town_manager=user("town_manager", Role.CENTER_MANAGER, center=town),
        supervisor=user("supervisor", Role.SUPERVISOR, center=city),
        admin=user("admin", Role.SYSTEM_ADMIN, center=city),
        hotline=user("hotline", Role.HOTLINE_OPERATOR, center=district),
    )
    org.authorization_grant(actor=SYSTEM, staff=hall.clerk, department=dept_a, action=Action.ACCEPT)
    return hall


def sample_pdf(text: str = "scan") -> bytes:
    """A small, well-formed one-page PDF, as a scanner would hand in (uploads
    are opened and checked by their content)."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def form_as_posted(html: str, css_class: str) -> dict[str, list[str]]:
    """What a browser posts for the first <form> of ``html`` with the class
    ``css_class`` when the user changes nothing: text and
    hidden inputs with their values, checked boxes and radios, the selected
    option of each select (else its first option, as a browser picks), the
    text of each textarea. Values are lists (a name may repeat); pass the
    result to the test client after changing what the user would change."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.data: dict[str, list[str]] = {}
            self.inside = self.done = False
            self.select = self.textarea = None
            self.first_option = self.selected = None
            self.option_value = None
            self.text = ""

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if self.done:
                return
            if tag == "form" and css_class in (a.get("class") or "").split():
                self.inside = True
            if not self.inside:
                return
            name = a.get("name")
            if tag == "input" and name and "disabled" not in a:
                kind = (a.get("type") or "text").lower()
                if kind in {"checkbox", "radio"}:
                    if "checked" in a:
                        self.data.setdefault(name, []).append(a.get("value", "on"))
                elif kind not in {"submit", "button", "file", "image", "reset"}:
                    self.data.setdefault(name, []).append(a.get("value", ""))
            elif tag == "select" and name and "disabled" not in a:
                self.select, self.first_option, self.selected = name, None, []
            elif tag == "option" and self.select:
                self.option_value, self.text = a.get("value"), ""
                if "selected" in a:
                    self.selected.append(a.get("value"))
            elif tag == "textarea" and name:
                self.textarea, self.text = name, ""

        def handle_data(self, data):
            if self.textarea or (self.select and self.option_value is None):
                self.text += data

        def handle_endtag(self, tag):
            if not self.inside or self.done:
                return
            if tag == "option" and self.select:
                value = self.option_value if self.option_value is not None else self.text.strip()
                if self.first_option is None:
                    self.first_option = value
                if self.selected and self.selected[-1] is None:
                    self.selected[-1] = value
            elif tag == "select" and self.select:
                chosen = self.selected or ([self.first_option] if self.first_option is not None else [])
                if chosen:
                    self.data.setdefault(self.select, []).extend(chosen)
                self.select = None
            elif tag == "textarea" and self.textarea:
                self.data.setdefault(self.textarea, []).append(self.text.removeprefix("\n"))
                self.textarea = None
            elif tag == "form":
                self.done = True

    reader = Reader()
    reader.feed(html)
    return reader.data


def suspend(case, *, reviewer, head, ground: str = "testing", reason: str = "委托检测", expected_days: int = 3,
            at=None):
    """A special procedure as the law has it: the reviewer asks, the
    department head approves (two acts, two events)."""
    from govhall.cases import services as cases

    case = cases.case_request_suspension(actor=reviewer, case=case, ground=ground, reason=reason,
                                         expected_days=expected_days, at=at)
    return cases.case_suspend(actor=head, case=case, at=at)
