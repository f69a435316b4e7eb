"""The online application an applicant expects: the service guide lists the
item's own questions, the application page asks them with the delivery
choice, a bad answer shows on its field, and the case page shows what was
answered."""

from django.urls import reverse

from govhall.cases.models import Case
from govhall.cases.tests.conftest import desk, form_desk  # noqa: F401  (fixtures)
from govhall.test import form_as_posted



def test_the_service_guide_lists_the_questions_of_the_form(client, form_desk):
    page = client.get(reverse("portal_item", args=[form_desk.item.code])).content.decode()
    assert "申请表填写内容" in page
    for part in ["经营场所面积（平方米）", "1 至 100000", "按房产证或租赁合同填写",
                 "可选：预包装食品销售、散装食品销售、热食类食品制售、冷食类食品制售", "最多 500 个字", "承诺所填信息真实有效"]:
        assert part in page, part


def application(client, desk) -> tuple[str, dict]:
    client.force_login(desk.applicant)
    url = reverse("portal_apply", args=[desk.item.code])
    page = client.get(url).content.decode()
    return url, form_as_posted(page, "card")


def test_the_application_page_asks_the_questions_and_the_delivery(client, form_desk):
    url, posted = application(client, form_desk)
    assert {"form-area", "form-project", "form-staff", "form-opening", "form-place", "delivery_method",
            "delivery_address"} <= set(posted)
    assert posted["delivery_method"] == ["window"]  # the first method offered, chosen until changed
    posted.update({"form-area": ["60"], "form-project": ["散装食品销售"], "form-pledge": ["on"],
                   "delivery_method": ["mail"], "delivery_address": ["建设路 8 号 张三 13912345678"]})
    answer = client.post(url, posted)
    assert answer.status_code == 302
    case = Case.objects.get()
    assert case.form_data == {"area": 60, "project": "散装食品销售", "pledge": True}
    assert (case.delivery_method, case.delivery_address) == ("mail", "建设路 8 号 张三 13912345678")
    page = client.get(reverse("portal_my_case", args=[case.number])).content.decode()
    for part in ["经营场所面积（平方米）", "60", "散装食品销售", "邮寄送达", "建设路 8 号 张三 13912345678"]:
        assert part in page, part


def test_a_bad_answer_shows_on_its_field_and_makes_no_case(client, form_desk):
    url, posted = application(client, form_desk)
    posted.update({"form-area": ["很大"], "form-project": ["散装食品销售"], "form-pledge": ["on"]})
    answer = client.post(url, posted)
    assert answer.status_code == 400 and not Case.objects.exists()
    assert answer.context["answers"].errors["form-area"] == ["“经营场所面积（平方米）”应为数字（最多两位小数）。"]
    posted.update({"form-area": ["60"], "delivery_method": ["mail"], "delivery_address": [""]})
    answer = client.post(url, posted)
    assert answer.status_code == 400 and "delivery_address" in answer.context["answers"].errors
    assert not Case.objects.exists()
