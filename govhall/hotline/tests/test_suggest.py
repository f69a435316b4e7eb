"""Dispatch suggestions with the database: training on a center's closed
orders and imported history, the stored model, the cold start, the import's
row errors, the page, the API and the intake screen's panel."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from govhall.core.actors import SYSTEM
from govhall.core.errors import NotPermitted
from govhall.hotline import services as hotline
from govhall.hotline import suggest_services
from govhall.hotline.models import HistoryOrder, OrderType, SuggestModel
from govhall.hotline.suggest_import import HistoryRefused, history_import

from .conftest import MONDAY
from .test_suggest_core import ROADS, SCHOOL, WATER


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=True):
        yield


@pytest.fixture(autouse=True)
def _fresh_caches():
    suggest_services._loaded.clear()
    suggest_services._rules.clear()


@pytest.fixture
def school(line):
    from govhall.hotline.models import UnitKind

    return hotline.member_unit_create(actor=SYSTEM, hotline_center=line.hall.district, code="U-E", name="教育局",
                                      kind=UnitKind.OTHER)


def history_rows(line, school):
    """Thirty made-up past orders: water to the water company, roads to 住建局, schools to 教育局."""
    return ([{"text": t, "category": "0101", "unit": "U-W"} for t in WATER]
            + [{"text": t, "category": "城乡建设", "unit": "住建局"} for t in ROADS]
            + [{"text": t, "category": "城乡建设", "unit": "U-E"} for t in SCHOOL])


def import_json(line, school, rows=None, actor=None):
    data = json.dumps(rows if rows is not None else history_rows(line, school), ensure_ascii=False).encode()
    return history_import(actor=actor or line.office, center=line.hall.district, name="history.json", data=data)


def test_cold_start_suggests_from_the_names_with_no_history(line):
    answer = suggest_services.suggestions_for(actor=line.operator, text="自来水公司什么时候恢复供水")
    assert answer.source == "rules"
    assert answer.units[0].code == "U-W" and answer.units[0].confidence < 1
    assert answer.categories[0].code == "0101"


def test_cold_start_finds_a_department_by_its_catalog_items(line):
    from govhall.catalog.models import Item, ItemVersion

    item = Item.objects.create(code="X-1", base_code="X", department=line.hall.dept_b, created_at=MONDAY)
    version = ItemVersion.objects.create(item=item, number=1, name="建筑工程施工许可证核发", item_type="licensing",
                                         created_at=MONDAY)
    Item.objects.filter(pk=item.pk).update(current=version)
    answer = suggest_services.suggestions_for(actor=line.operator, text="想问一下施工许可证怎么办")
    assert answer.units[0].code == "U-B"


def test_training_on_history_ranks_the_obvious_unit_first_and_reports_its_accuracy(line, school):
    imported = import_json(line, school)
    assert imported.count == 30 and HistoryOrder.objects.count() == 30
    row = suggest_services.suggest_model_train(actor=line.office, center=line.hall.district)
    assert (row.orders, row.history, row.folds) == (30, 30, 5)
    assert row.unit_top1 >= 0.7 and row.unit_top3 == 1.0 and row.category_top1 is not None
    assert row.file.name.endswith(".joblib")
    answer = suggest_services.suggestions_for(actor=line.operator, text="楼里停水两天了，自来水还没来")
    assert answer.source == "model"
    assert [u.code for u in answer.units] == ["U-W", *[u.code for u in answer.units[1:]]]
    assert answer.units[0].confidence > answer.units[1].confidence
    assert answer.categories[0].code == "0101"


def test_closed_orders_are_learned_from_too(line, school):
    import_json(line, school)
    order = hotline.workorder_create(actor=line.operator, type=OrderType.CONSULT, channel="phone", content="供暖不热",
                                     category=line.category)
    hotline.workorder_close_direct(actor=line.operator, order=order, answer="已答复")
    samples, past = suggest_services.training_samples(line.hall.district)
    assert (len(samples), past) == (31, 30)
    assert ("供暖不热", "0101", "") in [(s.text, s.category, s.unit) for s in samples]


def test_too_little_history_keeps_the_rules(line):
    row = suggest_services.suggest_model_train(actor=line.office, center=line.hall.district)
    assert (row.orders, row.unit_top1, row.file.name or "") == (0, None, "")
    assert suggest_services.suggestions_for(actor=line.operator, text="自来水").source == "rules"


def test_only_managers_train_and_only_hotline_staff_ask(line):
    with pytest.raises(NotPermitted):
        suggest_services.suggest_model_train(actor=line.operator, center=line.hall.district)
    with pytest.raises(NotPermitted):
        suggest_services.suggestions_for(actor=line.hall.clerk, text="停水")
    with pytest.raises(NotPermitted):
        import_json(line, None, actor=line.operator)
    suggest_services.suggest_model_train(actor=line.hall.manager, center=line.hall.district)


def test_an_import_with_row_errors_writes_nothing_and_names_row_and_field(line, school):
    rows = history_rows(line, school)
    rows[3] = {"text": "", "unit": "U-W"}
    rows[7] = {"text": "停水", "unit": "不存在的单位", "closed_at": "昨天"}
    with pytest.raises(HistoryRefused) as refused:
        import_json(line, school, rows)
    errors = refused.value.errors
    assert (4, "text") in [(r, f) for r, f, _ in errors]
    assert (8, "unit") in [(r, f) for r, f, _ in errors] and (8, "closed_at") in [(r, f) for r, f, _ in errors]
    assert "第 4 行“诉求内容”" in refused.value.message
    assert not HistoryOrder.objects.exists()


def test_an_xlsx_and_a_csv_import_with_chinese_headers(line, school):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["诉求内容", "诉求类型", "分类", "主办单位", "受理时间", "办结时间", "答复内容"])
    sheet.append(["停水了", "投诉", "供水", "自来水公司", MONDAY.replace(tzinfo=None), "2026-03-03 10:00", "已修复"])
    buffer = __import__("io").BytesIO()
    workbook.save(buffer)
    done = history_import(actor=line.office, center=line.hall.district, name="h.xlsx", data=buffer.getvalue())
    row = HistoryOrder.objects.get(batch=done.batch)
    assert (row.type, row.category, row.unit.code, row.reply, row.row) == ("complaint", line.category, "U-W",
                                                                            "已修复", 2)
    assert row.closed_at - row.received_at == timedelta(days=1)
    csv_data = "text,type,category,unit\n路灯不亮,求助,0101,U-B\n".encode()
    assert history_import(actor=line.office, center=line.hall.district, name="h.csv", data=csv_data).count == 1
    with pytest.raises(HistoryRefused, match="xlsx、csv 或 json"):
        history_import(actor=line.office, center=line.hall.district, name="h.txt", data=b"x")


# --- the screens and the API --------------------------------------------------------------

def test_the_accuracy_page_shows_the_figures_and_retrains_on_demand(line, school, client):
    import_json(line, school)
    client.force_login(line.office)
    response = client.post("/workbench/hotline/suggest/train/")
    assert response.status_code == 302
    row = SuggestModel.objects.get()
    page = client.get("/workbench/hotline/suggest/").content.decode()
    assert "派单建议" in page and f"{row.unit_top1:.0%}" in page and "30" in page
    client.force_login(line.operator)
    assert client.get("/workbench/hotline/suggest/").status_code == 403
    assert client.post("/workbench/hotline/suggest/train/").status_code == 403


def test_the_retrain_button_shows_the_queued_then_running_training(line, school, client, settings):
    """With the task worker (the database backend), the page says the
    retraining waits or runs, the button is disabled, and a second click
    enqueues nothing."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    import_json(line, school)
    client.force_login(line.office)
    page = client.get("/workbench/hotline/suggest/").content.decode()
    assert "train-pending" not in page and "立即重新训练" in page
    assert client.post("/workbench/hotline/suggest/train/").status_code == 302
    page = client.get("/workbench/hotline/suggest/").content.decode()
    assert "重新训练已排队" in page and "训练中…" in page and "disabled" in page
    assert client.post("/workbench/hotline/suggest/train/").status_code == 302
    waiting = DBTaskResult.objects.filter(task_path="govhall.hotline.suggest_tasks.suggest_train_task")
    assert waiting.count() == 1 and not SuggestModel.objects.exists()
    waiting.update(status="RUNNING", started_at=timezone.now())
    assert "正在重新训练" in client.get("/workbench/hotline/suggest/").content.decode()
    waiting.update(status="SUCCESSFUL")
    assert "立即重新训练" in client.get("/workbench/hotline/suggest/").content.decode()


def test_the_import_form_reports_row_errors(line, school, client):
    client.force_login(line.office)
    bad = json.dumps([{"text": "停水", "unit": "没有这个单位"}], ensure_ascii=False).encode()
    response = client.post("/workbench/hotline/suggest/", {"file": SimpleUploadedFile("h.json", bad)})
    assert response.status_code == 400
    assert "第 1 行“主办单位”" in response.content.decode() and not HistoryOrder.objects.exists()
    good = json.dumps(history_rows(line, school), ensure_ascii=False).encode()
    response = client.post("/workbench/hotline/suggest/", {"file": SimpleUploadedFile("h.json", good)})
    assert response.status_code == 302 and HistoryOrder.objects.count() == 30


def test_the_intake_panel_fills_category_and_unit(line, client):
    client.force_login(line.operator)
    page = client.get("/workbench/hotline/intake/suggest/", {"content": "自来水停了，供水什么时候恢复"}).content.decode()
    assert "自来水公司" in page and f'data-unit="{line.water.pk}"' in page
    assert f'data-category="{line.category.pk}"' in page
    assert 'hx-get="/workbench/hotline/intake/suggest/"' in client.get("/workbench/hotline/intake/").content.decode()
    picked = client.get("/workbench/hotline/intake/suggest/pick/", {"field": "main_unit", "value": line.water.pk})
    assert 'id="id_main_unit"' in picked.content.decode()
    assert f'<option value="{line.water.pk}" selected>' in picked.content.decode()
    assert client.get("/workbench/hotline/intake/suggest/pick/", {"field": "town", "value": 1}).status_code == 404
    client.force_login(line.hall.clerk)
    assert client.get("/workbench/hotline/intake/suggest/", {"content": "停水"}).status_code == 403


def test_the_api_suggests_for_hotline_roles_only(line, school, client):
    import_json(line, school)
    suggest_services.suggest_model_train(actor=line.office, center=line.hall.district)
    client.force_login(line.operator)
    response = client.post("/api/hotline/suggest/", {"text": "停水好几天了"}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "model" and body["units"][0]["code"] == "U-W"
    assert set(body["units"][0]) == {"code", "name", "id", "confidence"} and len(body["categories"]) == 2
    assert client.post("/api/hotline/suggest/", {}, content_type="application/json").status_code == 400
    client.force_login(line.hall.clerk)
    assert client.post("/api/hotline/suggest/", {"text": "停水"}, content_type="application/json").status_code == 403
    client.logout()
    assert client.post("/api/hotline/suggest/", {"text": "停水"},
                       content_type="application/json").status_code in (401, 403)


def test_the_command_imports_and_trains_or_fails_with_the_row(line, school, tmp_path):
    from django.core.management import CommandError, call_command

    good = tmp_path / "history.json"
    good.write_text(json.dumps(history_rows(line, school), ensure_ascii=False), encoding="utf-8")
    out = __import__("io").StringIO()
    call_command("hotline_suggest", center=line.hall.district.code, path=str(good), train=True, stdout=out)
    assert "imported 30" in out.getvalue() and "unit top-1" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("text,unit\n停水,没有这个单位\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第 2 行“主办单位”"):
        call_command("hotline_suggest", center=line.hall.district.code, path=str(bad))
    assert HistoryOrder.objects.count() == 30


def test_the_hotline_list_links_the_model_page_for_the_office(line, client):
    client.force_login(line.office)
    assert "/workbench/hotline/suggest/" in client.get("/workbench/hotline/").content.decode()
    client.force_login(line.operator)
    assert "/workbench/hotline/suggest/" not in client.get("/workbench/hotline/").content.decode()


def test_the_daily_task_retrains_every_hotline(line, school):
    from govhall.hotline.suggest_tasks import hotline_centers, suggest_train_all_task

    import_json(line, school)
    assert list(hotline_centers()) == [line.hall.district]
    suggest_train_all_task.enqueue(reschedule=False)
    row = SuggestModel.objects.get()
    assert (row.center, row.trained_by, row.orders) == (line.hall.district, None, 30) and row.file
