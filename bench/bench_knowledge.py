"""Knowledge search (知识库检索): p50 and p99 of a caller's message searched
over 20,000 knowledge documents with BM25 over jieba words (the hotline's
index) against a plain substring scan of the same documents (each of the
message's words looked for in every document, ranked by how many it holds),
and the top-5 accuracy of both on the evaluation set of callers' messages.

The documents: the written answers (hotline.knowledge_data), the demo
catalog's 118 published items as service guides, the demo's two questions
per item, then variants of them per town up to 20,000.

Run: python bench/bench_knowledge.py   (part of `make bench`)
"""

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.settings")

import django

django.setup()

from govhall.catalog.search import words
from govhall.demo.catalog import complete_specs
from govhall.hotline.knowledge_data import ANSWERS, EVALUATION
from govhall.hotline.knowledge_search import (
    KnowledgeDoc,
    KnowledgeIndex,
    substring_scan,
)

SIZE = 20_000
TOWNS = ["浙江路街道", "北辰街道", "广福街道", "万盛街道", "中桥街道", "枣山街道", "协兴镇", "花桥镇", "龙台镇"]
DAY = date(2026, 3, 2)


def documents(size: int) -> list[KnowledgeDoc]:
    docs = [KnowledgeDoc(f"k{i}", q, a, k) for i, (_, q, a, k, _) in enumerate(ANSWERS)]
    for i, spec in enumerate(complete_specs()):
        materials = "；".join(m["name"] for m in spec["materials"])
        docs.append(KnowledgeDoc(f"g{i}", spec["name"], f"受理条件：{spec.get('conditions', '')}\n所需材料：{materials}\n"
                                 f"办理地点：{spec.get('location', '')}", spec.get("result_name", "")))
        docs.append(KnowledgeDoc(f"m{i}", f"{spec['name']}要带什么材料？", f"需提交：{materials}。"))
        docs.append(KnowledgeDoc(f"t{i}", f"{spec['name']}在哪里办、多久能办好？", spec.get("location", "")))
    real = list(docs)
    while len(docs) < size:
        base = real[len(docs) % len(real)]
        town = TOWNS[(len(docs) // len(real)) % len(TOWNS)]
        docs.append(KnowledgeDoc(f"v{len(docs)}", f"{town}：{base.question}", f"{town}便民服务中心答复：{base.answer}",
                                 base.keywords))
    return docs


def accuracy(search) -> float:
    found = 0
    for message, expected in EVALUATION:
        found += any(doc.question == expected or doc.question.endswith("：" + expected) for doc in search(message))
    return found / len(EVALUATION)


def timed(search) -> tuple[float, float]:
    timings = []
    for _ in range(3):
        for message, _expected in EVALUATION:
            start = time.perf_counter()
            search(message)
            timings.append(time.perf_counter() - start)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def main() -> None:
    words("预热")  # jieba's dictionary loaded before anything is timed
    docs = documents(SIZE)
    start = time.perf_counter()
    index = KnowledgeIndex(docs)
    build = time.perf_counter() - start

    def bm25(message):
        return [hit.doc for hit in index.search(message, day=DAY, center_path=None, limit=5)]

    def scan(message):
        return substring_scan(docs, message, limit=5)

    (p50, p99), (s50, s99) = timed(bm25), timed(scan)
    print(f"knowledge search over {len(docs):,} documents ({len(EVALUATION)} callers' messages):")
    print(f"  BM25 index: p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms; index build {build:.2f} s")
    print(f"  substring scan: p50 {s50 * 1000:.2f} ms, p99 {s99 * 1000:.2f} ms")
    print(f"  ratio scan/index: p50 {s50 / p50:.1f}×, p99 {s99 / p99:.1f}×")
    print(f"  top-5 accuracy: BM25 {accuracy(bm25):.1%}, substring scan {accuracy(scan):.1%}")
    small = KnowledgeIndex(docs[:len(ANSWERS) + 3 * 118])
    print(f"  top-5 accuracy over the demo-sized base ({len(small):,} documents): "
          f"{accuracy(lambda m: [h.doc for h in small.search(m, day=DAY, center_path=None)]):.1%}")


if __name__ == "__main__":
    main()
