"""Chinese search over the district's 1,135 real item names: partial and
colloquial queries find the item a person means (DESIGN 2, issue 4)."""

import pytest

from govhall.catalog.search import Document, SearchIndex
from govhall.demo.guangan import read_items


@pytest.fixture(scope="module")
def index():
    specs = read_items()
    names = {i: s["name"] for i, s in enumerate(specs)}
    return SearchIndex(Document(i, s["name"], group=s["group"]) for i, s in enumerate(specs)), names


# query → (the start of) an item name that must be among the first three results
CASES = [
    ("施工许可", "建筑工程施工许可证核发"),
    ("建筑施工许可证", "建筑工程施工许可证核发"),
    ("个体户开业", "个体工商户设立登记"),
    ("个体户", "个体工商户设立登记"),
    ("注销个体户", "个体工商户注销登记"),
    ("开公司", "公司设立登记"),
    ("注册公司", "公司设立登记"),
    ("结婚", "中国内地公民婚姻登记"),
    ("砍树", "林木采伐许可证核发（县级权限）"),
    ("林木采伐", "林木采伐许可证核发（县级权限）"),
    ("生孩子", "《出生医学证明》首次签发"),
    ("出生证明", "《出生医学证明》首次签发"),
    ("退休", "企业职工基本养老保险正常退休申请"),
    ("异地就医", "转诊转院到异地就医申请"),
    ("卖预包装食品", "仅销售预包装食品经营者备案信息采集"),
    ("烟草零售", "烟草专卖零售许可证新办"),
    ("水土保持", "生产建设项目水土保持方案审批（新办）"),
    ("养蜂", "养蜂证申领"),
]


@pytest.mark.parametrize("query, expected", CASES, ids=[q for q, _ in CASES])
def test_query_finds_the_item(index, query, expected):
    search, names = index
    top = [names[hit.key] for hit in search.search(query, limit=3)]
    assert any(name.startswith(expected) for name in top), top


def test_whole_name_ranks_first(index):
    search, names = index
    assert names[search.search("建筑工程施工许可证核发")[0].key] == "建筑工程施工许可证核发"


def test_nonsense_finds_nothing_and_empty_finds_nothing(index):
    search, _ = index
    assert search.search("") == []
    assert search.search("zzzz") == []
