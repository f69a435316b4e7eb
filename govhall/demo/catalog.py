"""The sample catalog: the district's 1,135 real items as drafts (待完善),
of which the items in data/complete_items.json are filled in with sample
values and published, grouped into themes and life events."""

import json
from pathlib import Path

from govhall.catalog.models import ItemVersion, Material, VersionStatus
from govhall.catalog.services import catalog_import_specs, item_publish, material_attach_form, theme_create
from govhall.core.actors import SYSTEM
from govhall.demo.forms import material_form_xlsx
from govhall.demo.guangan import read_items

COMPLETE_ITEMS = Path(__file__).resolve().parent / "data" / "complete_items.json"

THEMES = [
    # (code, name, kind, description)
    ("kaiban-qiye", "开办企业", "theme", "营业执照、公章刻制、涉税事项、社保登记一次办结。"),
    ("gongcheng-jianshe", "工程建设项目审批", "theme", "立项用地规划、工程建设许可、施工许可、竣工验收四个阶段。"),
    ("budongchan", "不动产登记", "theme", "不动产登记与交易、税费一窗办理。"),
    ("canyin", "开餐馆", "theme", "开办小餐饮店所需的登记、许可和备案。"),
    ("geti", "个体工商户开业", "theme", "个体工商户登记及相关许可。"),
    ("xinshenger", "新生儿出生", "life_event", "出生医学证明、户口登记、参保等。"),
    ("jiuye", "就业创业", "life_event", "就业登记、创业扶持、职业培训等。"),
    ("tuixiu", "退休养老", "life_event", "养老保险待遇申领、养老服务等。"),
    ("hunyin", "婚姻家庭", "life_event", "婚姻登记及相关家庭事务。"),
    ("yiliao", "看病就医", "life_event", "医保参保、异地就医备案、报销。"),
    ("chuxing", "出行交通", "life_event", "道路运输、驾驶与车辆相关事项。"),
    ("shenghuo", "水电气讯报装", "life_event", "用水、用电、燃气、通信报装。"),
]


def _field(key, label, kind="text", required=True, options=(), max_length=None, low=None, high=None, hint=""):
    return {"key": key, "label": label, "type": kind, "required": required, "options": list(options),
            "max_length": max_length, "min": low, "max": high, "help": hint}


# The items' own application forms (sample questions, by item name). The
# items of 区行政审批局 take optional questions only: the demo's case
# history (demo/cases.py) receives their cases without answers.
FORM_FIELDS = {
    "烟草专卖零售许可证新办": [
        _field("shop_name", "店铺名称", max_length=50),
        _field("address", "经营地址", max_length=100),
        _field("area", "经营场所面积（平方米）", "number", low=1, high=10000),
        _field("business_type", "经营业态", "choice", options=["便利店", "食杂店", "超市", "商场", "娱乐服务类", "其他"]),
        _field("distance", "与最近零售点距离（米）", "number", required=False, low=0, high=100000,
               hint="同一街道两侧最近零售点之间的行走距离"),
    ],
    "林木采伐许可证核发（县级权限）": [
        _field("place", "采伐地点（乡镇、村、小班）", max_length=100),
        _field("forest_type", "林种", "choice", options=["商品林", "公益林"]),
        _field("species", "树种", max_length=50),
        _field("method", "采伐方式", "choice", options=["皆伐", "择伐", "渐伐", "更新采伐"]),
        _field("area", "采伐面积（亩）", "number", low=0.01, high=10000),
        _field("volume", "采伐蓄积（立方米）", "number", low=0.01, high=100000),
        _field("replant", "承诺采伐后一年内完成更新造林", "checkbox"),
    ],
    "养老机构设立备案": [
        _field("institution", "养老机构名称", max_length=100),
        _field("beds", "床位数", "number", low=1, high=5000),
        _field("nature", "机构性质", "choice", options=["营利性", "非营利性"]),
        _field("services", "服务内容", "textarea", required=False, max_length=500),
        _field("opening", "拟开业日期", "date", required=False),
    ],
    "食品(含保健食品)经营许可核发": [
        _field("area", "经营场所面积（平方米）", "number", required=False, low=1, high=100000),
        _field("project", "经营项目", "choice", required=False,
               options=["预包装食品销售", "散装食品销售", "热食类食品制售", "冷食类食品制售", "自制饮品制售"]),
        _field("staff", "从业人员数", "number", required=False, low=1, high=9999),
    ],
    "个体工商户设立登记": [
        _field("shop_name", "字号名称", required=False, max_length=30, hint="个体工商户可以不使用字号"),
        _field("scope", "经营范围", "textarea", required=False, max_length=500),
        _field("staff", "从业人数", "number", required=False, low=1, high=9999),
        _field("form", "组成形式", "choice", required=False, options=["个人经营", "家庭经营"]),
    ],
}

# The joint approval themes' items (demo/joint.py) ask the questions the
# combined form (一表制) asks once: the same key, the same definition.
COMPANY_NAME = _field("company_name", "企业名称", max_length=50)
PROJECT_NAME = _field("project_name", "项目名称", max_length=100)
PROJECT_ADDRESS = _field("project_address", "建设地点", max_length=100)
LAND_AREA = _field("land_area", "用地面积（平方米）", "number", low=1, high=10000000)
BUILDING_AREA = _field("building_area", "总建筑面积（平方米）", "number", low=1, high=10000000)
BUILDER = _field("builder", "施工单位", max_length=100)
FORM_FIELDS.update({
    "公司设立登记": [  # 区行政审批局: optional questions only (see above)
        {**COMPANY_NAME, "required": False},
        _field("company_type", "公司类型", "choice", required=False, options=["有限责任公司", "股份有限公司"]),
        _field("registered_capital", "注册资本（万元）", "number", required=False, low=0.01, high=10000000),
        _field("business_scope", "经营范围", "textarea", required=False, max_length=500),
    ],
    "公章刻制备案": [COMPANY_NAME, _field("seal_count", "刻制印章枚数", "number", low=1, high=20,
                                         hint="法定名称章、财务专用章、发票专用章、合同专用章等")],
    "一照一码户信息确认（县级行使）": [
        COMPANY_NAME, _field("accounting", "适用的会计制度", "choice", options=["企业会计准则", "小企业会计准则", "其他"])],
    "发票票种核定（县级行使）": [
        _field("invoice_kind", "申请的发票种类", "choice",
               options=["全面数字化的电子发票", "增值税普通发票", "增值税专用发票"])],
    "企业社会保险登记": [COMPANY_NAME, _field("employees", "参保职工人数", "number", low=1, high=100000)],
    "企业投资项目备案": [PROJECT_NAME, PROJECT_ADDRESS,
                         _field("investment", "总投资（万元）", "number", low=1, high=100000000)],
    "建设项目用地预审与选址意见书": [PROJECT_NAME, PROJECT_ADDRESS, LAND_AREA],
    "建设用地（含临时用地）规划许可证核发（出让用地）": [PROJECT_NAME, LAND_AREA],
    "建设工程设计方案审定": [PROJECT_NAME, BUILDING_AREA],
    "建设工程（含临时建设）规划许可证核发": [PROJECT_NAME, BUILDING_AREA],
    "建筑工程施工许可证核发": [PROJECT_NAME, BUILDING_AREA, BUILDER,
                               _field("contract_price", "施工合同价格（万元）", "number", low=1, high=100000000)],
    "特殊建设工程消防设计审查": [PROJECT_NAME, BUILDING_AREA],
    "建设工程质量监督备案": [PROJECT_NAME, BUILDER],
    "建筑垃圾处理方案备案": [PROJECT_NAME],
    "特殊建设工程消防验收": [PROJECT_NAME],
    "建设工程竣工验收备案": [PROJECT_NAME],
})


def complete_specs() -> list[dict]:
    data = json.loads(COMPLETE_ITEMS.read_text(encoding="utf-8"))
    return [{**spec, "status": "published", "form_fields": FORM_FIELDS.get(spec["name"], [])} for spec in data["items"]]


def demo_catalog_load() -> dict[str, int]:
    """Create the themes, import the catalog (one all-or-nothing import, as
    drafts), attach blank forms and samples, then publish the complete items."""
    for order, (code, name, kind, description) in enumerate(THEMES, start=1):
        theme_create(actor=SYSTEM, code=code, name=name, kind=kind, description=description, order=order)
    filled = complete_specs()
    complete = {spec["code"]: {**spec, "status": "draft"} for spec in filled}
    specs = []
    for spec in read_items():
        extra = complete.pop(spec["code"], None)
        specs.append({**spec, **extra} if extra else spec)
    specs += complete.values()  # items the real list lacks (utilities …)
    counts = catalog_import_specs(actor=SYSTEM, specs=[(f"items[{i}]", s) for i, s in enumerate(specs)])
    with_form = {(s["code"], m["name"]) for s in filled for m in s["materials"] if m.get("has_template")}
    for material in Material.objects.filter(version__item__code__in={c for c, _ in with_form}).select_related("version__item__department__center"):
        if (material.version.item.code, material.name) in with_form:
            for kind, sample in (("template", False), ("sample", True)):
                data = material_form_xlsx(item_name=material.version.name, material_name=material.name, sample=sample)
                material_attach_form(actor=SYSTEM, material=material, kind=kind, filename=f"{kind}.xlsx", content=data)
    drafts = ItemVersion.objects.filter(item__code__in=[s["code"] for s in filled], status=VersionStatus.DRAFT)
    for version in drafts.select_related("item__department__center"):
        item_publish(actor=SYSTEM, version=version)
    return {**counts, "published": len(filled)}
