"""The written notices the Administrative Licensing Law requires (DESIGN 3.5):
what each says, built from the case as plain data for govhall.documents,
numbered and frozen when issued."""

import functools
import secrets
from dataclasses import fields
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone, translation

from govhall.cases.models import Case, Notice, NoticeCounter, NoticeKind
from govhall.cases.selectors import case_materials
from govhall.core.actors import Actor, person
from govhall.core.counters import counter_next
from govhall.documents import NoticeData, Party, Section

ABBREVIATIONS = {
    NoticeKind.ACCEPTANCE: "受", NoticeKind.REJECTION: "不受", NoticeKind.CORRECTION: "补",
    NoticeKind.SUSPENSION: "特", NoticeKind.EXTENSION: "延", NoticeKind.APPROVAL: "许",
    NoticeKind.DENIAL: "不许", NoticeKind.DELIVERY: "送",
}
LAW = "《中华人民共和国行政许可法》"
# How a result is delivered, as a notice prints it (always Chinese).
DELIVERY_TEXT = {"window": "窗口领取", "mail": "邮寄送达", "electronic": "电子送达"}
RIGHTS = ("如不服本决定，可以自收到本文书之日起六十日内依法申请行政复议，"
          "或者自收到本文书之日起六个月内依法向人民法院提起行政诉讼。")


@functools.cache
def _title(kind: str) -> str:
    """A legal document is Chinese, whatever the language of the clerk's screen."""
    with translation.override("zh-hans"):
        return str(NoticeKind(kind).label)


def _date_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _parties(case: Case, *extra: Party) -> tuple[Party, ...]:
    return (
        Party("办件编号", case.number),
        Party("查询码", case.query_code),
        Party("申请事项", case.item_version.name),
        Party("申请人", f"{case.applicant_name}（证件号码 {case.masked_id_number}）"),
        *extra,
    )


def _sections(case: Case, kind: str, data: dict, today: date) -> tuple[Section, ...]:
    version = case.item_version
    received = _date_text(case.received_on) if case.received_on else ""
    if kind == NoticeKind.ACCEPTANCE:
        return (Section(paragraphs=(
            f"你（单位）于{received}提出的“{version.name}”申请，申请材料齐全、符合法定形式，"
            f"根据{LAW}第三十二条第一款第（五）项的规定，本机关决定予以受理。",
            f"本机关将在受理之日起{case.promised_days}个工作日内（{_date_text(case.due_date)}前）作出决定；"
            "依法需要听证、检验、检测、鉴定、专家评审等的，所需时间不计算在期限内，届时另行书面告知。",
            f"可凭办件编号和查询码查询办理进度。咨询电话：{version.consult_phone}；投诉电话：{version.complaint_phone}。",
        )), *_materials_sections(case), *_application_sections(case))
    if kind == NoticeKind.REJECTION:
        paragraphs = [f"你（单位）于{received}提出的“{version.name}”申请，经审查，本机关决定不予受理。",
                      f"理由：{data['reason']}"]
        if data.get("refer_to"):
            paragraphs.append(f"该申请事项依法不属于本机关职权范围，请向{data['refer_to']}申请"
                              f"（{LAW}第三十二条第一款第（二）项）。")
        paragraphs.append(RIGHTS)
        return (Section(paragraphs=tuple(paragraphs)),)
    if kind == NoticeKind.CORRECTION:
        rows = (("序号", "材料", "需要补正的内容"),) + tuple(
            (str(i), entry["material"], entry["problem"]) for i, entry in enumerate(data["items"], start=1))
        return (
            Section(paragraphs=(
                f"你（单位）于{received}提出的“{version.name}”申请，申请材料不齐全或者不符合法定形式。"
                f"根据{LAW}第三十二条第一款第（四）项的规定，现一次告知需要补正的全部内容如下：",)),
            Section(heading="需要补正的材料", rows=rows),
            Section(paragraphs=("请按上述要求补正后重新提交。补正材料提交之日视为重新收件。",)),
        )
    if kind == NoticeKind.SUSPENSION:
        # A national ground rests on art. 45; a center's own ground on the
        # basis it was registered with, which the notice names.
        basis = data.get("ground_basis") or f"{LAW}第四十五条"
        return (Section(paragraphs=(
            f"你（单位）申请的“{version.name}”，依法需要进行{data.get('ground_name') or _ground(data['ground'])}。",
            f"事由：{data['reason']}。预计所需时间：{data['expected_days']}个工作日。",
            f"根据{basis}的规定，经本机关负责人批准，上述所需时间不计算在本机关作出行政许可决定的期限内，"
            "程序结束后继续计算，本机关将及时告知。",
        )),)
    if kind == NoticeKind.EXTENSION:
        return (Section(paragraphs=(
            f"你（单位）申请的“{version.name}”，因{data['reason']}，本机关不能在原定期限内作出决定。",
            f"根据{LAW}第四十二条第一款的规定，经本机关负责人批准，办理期限延长{data['days']}个工作日，"
            f"延长后的期限为{_date_text(case.due_date)}。",
        )),)
    if kind == NoticeKind.APPROVAL:
        return (Section(paragraphs=(
            f"你（单位）于{received}提出的“{version.name}”申请，经审查，符合法定条件、标准。"
            f"根据{LAW}第三十八条第一款的规定，本机关决定准予行政许可。",
            f"办理结果：{version.result_name}。本机关将自作出决定之日起十个工作日内向你（单位）颁发、送达"
            f"（{LAW}第四十四条）。",
        )),)
    if kind == NoticeKind.DENIAL:
        return (Section(paragraphs=(
            f"你（单位）于{received}提出的“{version.name}”申请，经审查，不符合法定条件、标准。"
            f"根据{LAW}第三十八条第二款的规定，本机关决定不予行政许可。",
            f"理由：{data['reasons']}",
            RIGHTS,
        )),)
    if kind == NoticeKind.DELIVERY:
        # What is served: the decision document, and with a grant its result.
        decision = NoticeKind.APPROVAL if data["decision"] == "approved" else NoticeKind.DENIAL
        documents = [f"{_title(decision)}（{case.decision_number}）"]
        if decision == NoticeKind.APPROVAL and version.result_name:
            documents.append(f"{version.result_name}（编号 {case.certificate_number}）" if case.certificate_number
                             else version.result_name)
        return (Section(rows=(
            ("栏目", "内容"),
            ("送达文书", "；".join(documents)),
            ("送达方式", DELIVERY_TEXT[data["method"]]),
            ("受送达人", case.applicant_name),
            ("签收人", data["received_by"]),
            ("签收日期", _date_text(today)),
        )), Section(paragraphs=("签收人（签名）：＿＿＿＿＿＿＿＿　　送达人（签名）：＿＿＿＿＿＿＿＿",)))
    raise ValueError(f"unknown notice kind {kind}")


def _materials_sections(case: Case) -> tuple[Section, ...]:
    """The receipt list of an acceptance: each of the item's materials as
    checked (合格), or as not to be handed in (免提交, shared or from an
    e-licence), or not handed in (a conditional one that does not apply) —
    what "申请材料齐全" rests on."""
    checks = {check.material_order: check for check in case.material_checks.all()}
    rows = []
    for number, material in enumerate(case_materials(case), start=1):
        check = checks.get(material.order)
        if check is not None:
            status = "核验合格" if check.verdict == "ok" else f"需补正：{check.note}"
        elif material.exempt:
            with translation.override("zh-hans"):  # a legal document is Chinese
                status = f"免提交（{material.get_source_display()}）"
        else:
            status = "未提交（不适用）" if not material.required else "未核验"
        rows.append((str(number), material.name, status))
    if not rows:
        return ()
    return (Section(heading="收取材料清单", rows=(("序号", "材料", "核验情况"), *rows)),)


def _application_sections(case: Case) -> tuple[Section, ...]:
    """What the applicant asked on the item's own form and how he wants the
    result, as accepted: the notice is his record of both."""
    from govhall.catalog.application_form import form_data_rows

    rows = form_data_rows(case.item_version, case.form_data)
    if case.delivery_method:
        rows.append(("办理结果领取方式", DELIVERY_TEXT[case.delivery_method]))
    if case.delivery_address:
        rows.append(("邮寄地址", case.delivery_address))
    if not rows:
        return ()
    return (Section(heading="申请填写内容", rows=(("项目", "填写内容"), *rows)),)


def _number(case: Case, kind: str, year: int) -> str:
    last = counter_next(NoticeCounter, department=case.department_id, year=year, kind=kind)
    return f"{case.department.short_name}{ABBREVIATIONS[kind]}〔{year}〕{last}号"


def notice_build(*, case: Case, kind: str, actor: Actor, data: dict, at: datetime) -> Notice:
    """Number and build a notice, not yet stored (inside the transition's
    transaction, which stores it once the case is changed)."""
    now = at
    today = timezone.localtime(at).date()
    number = _number(case, kind, today.year)
    verify_code = secrets.token_urlsafe(12)
    demo = "（示例数据）" if _demo() else ""
    content = NoticeData(
        title=_title(kind),
        number=number,
        issuer=case.department.name,
        date_text=_date_text(today),
        addressee=case.applicant_name,
        parties=_parties(case),
        sections=_sections(case, kind, data, today),
        qr_url=f"{settings.GOVHALL_PUBLIC_URL}/verify/{verify_code}/",
        qr_caption="扫码核验本文书真伪",
        footer=f"{case.department.name} · 办件编号 {case.number}{demo}",
        seal_text=case.department.name,
    )
    return Notice(case=case, kind=kind, number=number, verify_code=verify_code, issued_at=now,
                  issued_by=person(actor), content=notice_content(content))


_FIELDS = tuple(field.name for field in fields(NoticeData))


def notice_content(data: NoticeData) -> dict:
    """``dataclasses.asdict(data)``, written out for these three classes
    (every notice issued pays it; ``asdict`` walks and copies every value
    generically): what ``Notice.content`` stores."""
    content = {name: getattr(data, name) for name in _FIELDS}
    content["parties"] = tuple({"label": party.label, "value": party.value} for party in data.parties)
    content["sections"] = tuple({"heading": section.heading, "paragraphs": tuple(section.paragraphs),
                                 "rows": tuple(tuple(row) for row in section.rows)} for section in data.sections)
    return content


def notice_data(notice: Notice) -> NoticeData:
    """The stored content as the renderer's value object."""
    content = dict(notice.content)
    content["parties"] = tuple(Party(**p) for p in content["parties"])
    content["sections"] = tuple(
        Section(heading=s["heading"], paragraphs=tuple(s["paragraphs"]), rows=tuple(tuple(r) for r in s["rows"]))
        for s in content["sections"])
    return NoticeData(**content)


def _demo() -> bool:
    from govhall.core.models import Installation

    return Installation.current().demo


# Grounds of pauses started before each pause recorded its ground's name.
LEGACY_GROUNDS = {"onsite": "现场勘查"}


def _ground(ground: str) -> str:
    from govhall.cases.states import SuspensionGround

    if ground in LEGACY_GROUNDS:
        return LEGACY_GROUNDS[ground]
    with translation.override("zh-hans"):
        return str(SuspensionGround(ground).label)
