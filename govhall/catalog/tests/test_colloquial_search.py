"""People look for the replacement, renewal or change of a certificate by
what happened to it ("身份证丢了", "执照到期", "营业执照变更地址"): over the
demo's catalog (the district's real item list and the items the demo adds,
as the workbench searches them), the variant the query asks for comes first
(issue 12.10)."""

import json

import pytest

from govhall.catalog.search import Document, SearchIndex, query_intents
from govhall.demo.catalog import COMPLETE_ITEMS
from govhall.demo.guangan import read_departments, read_items


@pytest.fixture(scope="module")
def demo_search():
    """The documents ``demo_catalog_load`` makes: every item of the real list,
    the filled ones with their result, plus the items the list lacks."""
    complete = {spec["code"]: spec for spec in json.loads(COMPLETE_ITEMS.read_text(encoding="utf-8"))["items"]}
    specs = read_items()
    codes = {spec["code"] for spec in specs}
    specs += [spec for code, spec in complete.items() if code not in codes]
    departments = {f"511602-{n:02d}": d.short_name for n, d in enumerate(read_departments(), start=1)}
    index = SearchIndex(
        Document(i, spec["name"], department=departments.get(spec["department"], ""), group=spec.get("group", ""),
                 result=complete.get(spec["code"], {}).get("result_name", ""))
        for i, spec in enumerate(specs))

    def search(query: str, limit: int = 5) -> list[str]:
        return [specs[hit.key]["name"] for hit in index.search(query, limit=limit)]

    return search


# query → the item that must come first
FIRST = [
    # lost, to be replaced (补领/补发/补办/挂失)
    ("身份证丢了", "居民身份证挂失申报、丢失招领"),
    ("营业执照丢了", "证照遗失补领、换发申请"),
    ("补办营业执照", "证照遗失补领、换发申请"),
    ("证件丢了", "证照遗失补领、换发申请"),
    ("食品经营许可证丢了", "食品(含保健食品)经营许可补办"),
    ("结婚证丢了", "补领结婚证"),
    ("残疾证丢了", "残疾人证挂失补办"),
    ("教师资格证丢了", "教师资格证书补发、换发"),
    ("驾照丢了", "拖拉机联合收割机驾驶证补换证"),
    ("补身份证", "居民身份证挂失申报、丢失招领"),
    # expired, to be renewed (延续/到期换证/期满换证)
    ("食品经营许可证到期", "食品(含保健食品)经营许可延续"),
    ("食品经营许可证过期了", "食品(含保健食品)经营许可延续"),
    ("烟草证到期", "烟草专卖零售许可证延续"),
    ("卫生许可证到期", "公共场所卫生许可延续（县级）"),
    ("驾照到期", "拖拉机联合收割机驾驶证期满换证"),
    ("出租车证到期", "巡游出租汽车经营许可证到期换证"),
    # a business licence's term runs out: its 营业期限 is extended by a change registration
    ("执照到期", "公司变更登记"),
    # exchanged (换证/换发)
    ("换驾照", "拖拉机联合收割机驾驶证补换证"),
    ("食品经营许可证换证", "食品(含保健食品)经营许可换发"),
    # changed (变更)
    ("营业执照变更地址", "公司变更登记"),
    ("营业执照改名字", "公司变更登记"),
    ("个体户变更", "个体工商户变更登记（备案）"),
    ("食品经营许可证改地址", "食品(含保健食品)经营许可变更住所"),
    # cancelled (注销)
    ("个体户不干了", "个体工商户注销登记"),
    # no variant asked: the item that grants comes first
    ("驾照", "拖拉机/联合收割机驾驶证初次申领"),
    ("食品经营许可证", "食品(含保健食品)经营许可核发"),
    ("烟草证", "烟草专卖零售许可证新办"),
    ("结婚证", "中国内地公民婚姻登记"),
    ("营业执照", "公司设立登记"),
]


@pytest.mark.parametrize("query, expected", FIRST, ids=[q for q, _ in FIRST])
def test_the_variant_the_query_asks_for_comes_first(demo_search, query, expected):
    found = demo_search(query)
    assert found and found[0] == expected, found


# a query naming only the variant: every first result is such a variant
ONLY_THE_VARIANT = [
    ("换证", ("换证", "换发", "换领")),
    ("证件丢了", ("补领", "补发", "补办", "遗失", "挂失")),
    ("补办", ("补领", "补发", "补办", "补证", "遗失", "挂失", "补换")),
    ("到期", ("到期", "期满", "延续")),
]


@pytest.mark.parametrize("query, actions", ONLY_THE_VARIANT, ids=[q for q, _ in ONLY_THE_VARIANT])
def test_a_query_of_the_variant_alone_finds_only_that_variant(demo_search, query, actions):
    found = demo_search(query, limit=5)
    assert len(found) == 5 and all(any(a in name for a in actions) for name in found), found


def test_the_variant_words_are_taken_out_of_the_query():
    assert query_intents("营业执照变更地址") == (["change"], ["营业执照", "地址"])
    assert query_intents("身份证丢了") == (["replace"], ["身份证"])
    assert query_intents("换驾照") == (["exchange"], ["驾照"])
    # a cue inside another word is no cue: 改建 is a construction, 补贴 an allowance
    assert query_intents("改建") == ([], ["改建"])
    assert query_intents("高龄补贴") == ([], ["高龄补贴"])
    assert query_intents("施工许可") == ([], ["施工许可"])


def test_the_portal_search_puts_the_asked_variant_first(hall):
    from govhall.catalog.selectors import version_search_published
    from govhall.catalog.services import item_create
    from govhall.catalog.tests.factories import complete_spec
    from govhall.core.actors import SYSTEM

    for n, name in enumerate(["食品(含保健食品)经营许可核发", "食品(含保健食品)经营许可延续", "食品(含保健食品)经营许可补办"]):
        item_create(actor=SYSTEM, spec=complete_spec("A", code=f"511A000000000{n}-D1-000-A-1-00", name=name,
                                                     status="published"))
    first = lambda query: version_search_published(query=query)[0].name  # noqa: E731
    assert first("食品经营许可证") == "食品(含保健食品)经营许可核发"
    assert first("食品经营许可证到期") == "食品(含保健食品)经营许可延续"
    assert first("食品经营许可证丢了") == "食品(含保健食品)经营许可补办"
