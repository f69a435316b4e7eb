"""The online application an applicant expects (issue 12.10): the item's own
form fields and the chosen delivery are checked once, kept with the case and
printed on the acceptance notice."""

import pytest

from govhall.cases import services as cases
from govhall.cases.models import Case, CaseEvent, NoticeKind
from govhall.cases.notices import notice_data
from govhall.cases.tests.conftest import accept_checked, at, form_desk  # noqa: F401  (fixture)
from govhall.cases.tests.test_lifecycle import submit
from govhall.catalog.tests.factories import FORM_ANSWERS
from govhall.core.errors import DomainError
from govhall.documents import notice_pdf, notice_text

ADDRESS = "四川省广安市广安区建设路 8 号 张三 13912345678"



def nothing_written():
    return not Case.objects.exists() and not CaseEvent.objects.exists()


def test_the_answers_and_the_chosen_delivery_are_kept_with_the_case(form_desk):
    case = submit(form_desk, form_data={**FORM_ANSWERS, "area": "85.50", "place": "  临街一楼门面 "},
                  delivery_method="mail", delivery_address=ADDRESS)
    case.refresh_from_db()
    assert case.form_data == {"area": 85.5, "project": "热食类食品制售", "staff": 6, "opening": "2026-04-01",
                              "place": "临街一楼门面", "pledge": True}
    assert (case.delivery_method, case.delivery_address) == ("mail", ADDRESS)
    receipt = case.events.get(action="submit")
    assert receipt.data["form"] == case.form_data and receipt.data["delivery_method"] == "mail"


def test_an_answer_left_empty_is_left_out_and_the_address_is_kept_only_for_mail(form_desk):
    answers = {"area": 20, "project": "预包装食品销售", "staff": "", "opening": None, "pledge": True}
    case = submit(form_desk, form_data=answers, delivery_method="window", delivery_address=ADDRESS)
    assert case.form_data == {"area": 20, "project": "预包装食品销售", "pledge": True}
    assert (case.delivery_method, case.delivery_address) == ("window", "")


BAD_ANSWERS = [
    # (what the applicant changed, the field named, part of the message)
    ({"area": None}, "form.area", "请填写“经营场所面积（平方米）”"),
    ({"area": "八十"}, "form.area", "应为数字"),
    ({"area": 0}, "form.area", "应在 1 到 100000 之间"),
    ({"area": 85.555}, "form.area", "最多两位小数"),
    ({"area": True}, "form.area", "应为数字"),
    ({"project": "夜宵烧烤"}, "form.project", "只能从以下选项中选择"),
    ({"project": ""}, "form.project", "请选择“经营项目”"),
    ({"staff": 10000}, "form.staff", "应在 1 到 9999 之间"),
    ({"opening": "2026-02-30"}, "form.opening", "应为日期"),
    ({"place": "很长" * 300}, "form.place", "不能超过 500 个字"),
    ({"pledge": False}, "form.pledge", "请勾选“承诺所填信息真实有效”"),
    ({"pledge": "yes"}, "form.pledge", "应为是或否"),
    ({"colour": "红"}, "form.colour", "申请表中没有“colour”这一项"),
]


@pytest.mark.parametrize("change, field, message", BAD_ANSWERS, ids=[f for _c, f, _m in BAD_ANSWERS])
def test_a_bad_answer_is_refused_naming_the_field_and_nothing_is_written(form_desk, change, field, message):
    with pytest.raises(DomainError) as refused:
        submit(form_desk, form_data={**FORM_ANSWERS, **change})
    assert refused.value.field == field and message in refused.value.message
    assert nothing_written()


def test_answers_that_are_not_an_object_are_refused(form_desk):
    with pytest.raises(DomainError) as refused:
        submit(form_desk, form_data=["热食类食品制售"])
    assert refused.value.field == "form_data" and nothing_written()


def test_mail_without_an_address_is_refused(form_desk):
    for address in ("", "   "):
        with pytest.raises(DomainError) as refused:
            submit(form_desk, form_data=FORM_ANSWERS, delivery_method="mail", delivery_address=address)
        assert refused.value.field == "delivery_address" and "邮寄地址" in refused.value.message
    assert nothing_written()


def test_a_delivery_the_item_does_not_offer_is_refused(desk):
    # The desk's item delivers at the window or electronically, not by mail.
    for method in ("mail", "courier"):
        with pytest.raises(DomainError) as refused:
            submit(desk, delivery_method=method, delivery_address=ADDRESS)
        assert refused.value.field == "delivery_method" and "窗口领取、电子送达" in refused.value.message
    assert nothing_written()


def test_an_online_draft_is_checked_the_same_way(form_desk):
    applicant = form_desk.applicant
    values = dict(actor=applicant, item_version=form_desk.version, center=form_desk.district,
                  applicant_name=applicant.full_name, applicant_id_number=applicant.id_number,
                  applicant_phone=applicant.phone)
    with pytest.raises(DomainError) as refused:
        cases.case_draft_create(**values, form_data={**FORM_ANSWERS, "project": "夜宵烧烤"})
    assert refused.value.field == "form.project" and nothing_written()
    with pytest.raises(DomainError) as refused:
        cases.case_draft_create(**values, form_data=FORM_ANSWERS, delivery_method="mail")
    assert refused.value.field == "delivery_address" and nothing_written()
    draft = cases.case_draft_create(**values, form_data=FORM_ANSWERS, delivery_method="electronic")
    assert draft.form_data["project"] == "热食类食品制售" and draft.delivery_method == "electronic"
    assert draft.events.get().data["form"] == draft.form_data


def test_the_acceptance_notice_prints_the_answers_and_the_chosen_delivery(form_desk):
    case = submit(form_desk, form_data=FORM_ANSWERS, delivery_method="mail", delivery_address=ADDRESS)
    case = accept_checked(actor=form_desk.clerk, case=case, at=at("2026-03-02 10:05"))
    notice = notice_data(case.notices.get(kind=NoticeKind.ACCEPTANCE))
    text = notice_text(notice)
    for line in ["申请填写内容", "项目 | 填写内容", "经营场所面积（平方米） | 85.5", "经营项目 | 热食类食品制售",
                 "从业人员数 | 6", "拟开业日期 | 2026年4月1日", "经营场所说明 | 临街一楼门面",
                 "承诺所填信息真实有效 | 是", "办理结果领取方式 | 邮寄送达", f"邮寄地址 | {ADDRESS}"]:
        assert line in text, line
    assert notice_pdf(notice).startswith(b"%PDF")


def test_a_notice_without_a_form_says_nothing_of_one(desk):
    case = accept_checked(actor=desk.clerk, case=submit(desk), at=at("2026-03-02 10:05"))
    text = notice_text(notice_data(case.notices.get(kind=NoticeKind.ACCEPTANCE)))
    assert "申请填写内容" not in text and "领取方式" not in text
