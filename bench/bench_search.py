"""Catalog search latency: the district's real catalog (1,135 items) and a
generated 10,000-item catalog, each query timed; p50, p99 and the growth
ratio p50(10k)/p50(1.1k), measured in the same run.

Run: python bench/bench_search.py   (part of `make bench`)
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.settings")

import django  # noqa: E402

django.setup()

from govhall.catalog.search import Document, SearchIndex, words  # noqa: E402
from govhall.demo.guangan import read_items  # noqa: E402

QUERIES = ["施工许可", "开饭店", "个体户", "结婚", "社保", "砍树", "不动产登记", "退休", "异地就医", "营业执照",
           "食品经营许可", "公章", "出生", "养老保险待遇", "道路运输", "林木采伐许可证核发", "失业", "残疾人证"]
TOWNS = ["浙江路街道", "北辰街道", "广福街道", "万盛街道", "中桥街道", "枣山街道", "协兴镇", "花桥镇", "龙台镇"]


def catalog(size: int) -> list[Document]:
    """The real names, then variants of them (per town, per year) up to ``size``."""
    real = read_items()
    docs = [Document(i, s["name"], group=s["group"]) for i, s in enumerate(real)]
    n = len(docs)
    while len(docs) < size:
        base = real[len(docs) % len(real)]
        town = TOWNS[(len(docs) // len(real)) % len(TOWNS)]
        docs.append(Document(len(docs), f"{base['name']}（{town}受理第{len(docs) // n}批）", group=base["group"]))
    return docs


def measure(size: int) -> tuple[float, float, float]:
    words("预热")  # load jieba before timing anything
    start = time.perf_counter()
    index = SearchIndex(catalog(size))
    build = time.perf_counter() - start
    timings = []
    for _ in range(5):
        for query in QUERIES:
            t = time.perf_counter()
            index.search(query, limit=50)
            timings.append(time.perf_counter() - t)
    timings.sort()
    # What the portal pays after a publication: the index is rebuilt, but
    # only changed texts are segmented again.
    start = time.perf_counter()
    SearchIndex(catalog(size))
    rebuild = time.perf_counter() - start
    return build, statistics.median(timings), timings[int(len(timings) * 0.99) - 1], rebuild


def main() -> None:
    small = measure(1135)
    large = measure(10_000)
    for label, (build, p50, p99, rebuild) in (("real catalog 1,135", small), ("generated 10,000", large)):
        print(f"search {label}: p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms; "
              f"index build {build:.2f} s, rebuild after a publication {rebuild:.2f} s")
    print(f"growth p50(10,000)/p50(1,135): {large[1] / small[1]:.2f}× for {10_000 / 1135:.1f}× the items")


if __name__ == "__main__":
    main()
