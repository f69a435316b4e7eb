"""A complete item spec for tests (tedious reference data, STYLE 13)."""

import copy


def complete_spec(department_code: str, code: str = "511A0000000001-D1-000-A-1-00", **changes) -> dict:
    spec = {
        "code": code,
        "base_code": code.split("-")[0],
        "name": "食品经营许可（仅销售预包装食品除外）",
        "item_type": "licensing",
        "department": department_code,
        "legal_basis": [{"law": "《中华人民共和国食品安全法》", "article": "第三十五条",
                         "excerpt": "国家对食品生产经营实行许可制度。"}],
        "conditions": "具有与经营的食品品种、数量相适应的经营场所。",
        "procedure_class": "ordinary",
        "statutory_days": 20,
        "promised_days": 10,
        "immediate": False,
        "no_fee": True,
        "fees": [],
        "result_type": "certificate",
        "result_name": "食品经营许可证",
        "delivery_methods": ["window", "electronic"],
        "visits": 1,
        "online": True,
        "onsite_inspection": True,
        "consult_phone": "0826-2000001",
        "complaint_phone": "0826-12345",
        "location": "区政务服务中心二楼 15号窗口",
        "office_hours": "工作日 9:00–12:00，13:30–17:00",
        "materials": [
            {"name": "食品经营许可申请书", "required": True, "condition": "", "form": "original", "copies": 1,
             "source": "applicant", "source_department": "", "notes": ""},
            {"name": "营业执照", "required": True, "condition": "", "form": "copy", "copies": 1,
             "source": "elicence", "source_department": "市场监管部门", "notes": ""},
            {"name": "授权委托书", "required": False, "condition": "委托他人办理的", "form": "original", "copies": 1,
             "source": "applicant", "source_department": "", "notes": ""},
        ],
        "steps": [
            {"name": "受理", "role": "clerk", "days": 1, "department": ""},
            {"name": "审查", "role": "reviewer", "days": 6, "department": ""},
            {"name": "决定", "role": "approver", "days": 3, "department": ""},
        ],
        "themes": [],
    }
    result = copy.deepcopy(spec)
    result.update(changes)
    return result


# The item's own application form of a food-business licence (ItemVersion.form_fields).
FORM_FIELDS = [
    {"key": "area", "label": "经营场所面积（平方米）", "type": "number", "required": True, "options": [],
     "max_length": None, "min": 1, "max": 100000, "help": "按房产证或租赁合同填写"},
    {"key": "project", "label": "经营项目", "type": "choice", "required": True,
     "options": ["预包装食品销售", "散装食品销售", "热食类食品制售", "冷食类食品制售"], "max_length": None, "min": None,
     "max": None, "help": ""},
    {"key": "staff", "label": "从业人员数", "type": "number", "required": False, "options": [], "max_length": None,
     "min": 1, "max": 9999, "help": ""},
    {"key": "opening", "label": "拟开业日期", "type": "date", "required": False, "options": [], "max_length": None,
     "min": None, "max": None, "help": ""},
    {"key": "place", "label": "经营场所说明", "type": "textarea", "required": False, "options": [], "max_length": 500,
     "min": None, "max": None, "help": ""},
    {"key": "pledge", "label": "承诺所填信息真实有效", "type": "checkbox", "required": True, "options": [],
     "max_length": None, "min": None, "max": None, "help": ""},
]

# Answers to FORM_FIELDS as an applicant gives them.
FORM_ANSWERS = {"area": 85.5, "project": "热食类食品制售", "staff": 6, "opening": "2026-04-01",
                "place": "临街一楼门面", "pledge": True}
