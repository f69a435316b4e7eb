"""Dispatch suggestions (issue 15 item 5): cross-validated top-1/top-3
accuracy of the classifier with a full history and with 100 orders, a
comparison with the previous default model (``suggest.pipeline_v1``) and a
word model, and the latency of one suggestion.

Data, in this order:

- ``--data FILE``: a labelled file of citizen messages (xlsx, csv or json)
  with a text column (``留言主题`` + ``留言详情``, or ``text``/``诉求内容``)
  and a label column (``一级标签``, or ``category``/``unit``) — e.g. the
  public dataset of the 2020 泰迪杯 C 题 (附件2), if you have a copy;
  ``--sample N`` draws a stratified sample of N rows from it (1,800 by default);
- otherwise ``bench/data/*`` if a real sample was committed there (see its
  SOURCE.md);
- otherwise a SYNTHETIC corpus generated below (seven classes named like the
  dataset's, phrases per class, shared filler and cross-class noise). Its
  figures measure the pipeline and the latency, NOT accuracy on real calls:
  the report says so in its first line.

No database is needed: the classifier core (govhall/hotline/suggest.py) runs
on plain samples. Latency: one ``Model.predict`` (top three of both heads)
per text, single-threaded, p50/p99 over 1,000 texts, plus the keyword rules'
cold-start answer.

Run: python bench/bench_suggest.py [--data FILE] [--sample N] [--small 100]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from govhall.hotline import suggest
from govhall.hotline.suggest import Sample

DATA = ROOT / "bench" / "data"

# --- the synthetic corpus ---------------------------------------------------------------

CLASSES = {
    "城乡建设": ["小区物业不作为", "楼房墙体开裂", "电梯经常故障", "开发商延期交房", "违章搭建阻挡通道", "小区停水停电",
             "自来水水压低", "燃气管道改造", "路灯不亮", "老旧小区改造", "房产证迟迟办不下来", "公共维修基金使用",
             "拆迁安置补偿不到位", "棚户区改造进度", "小区绿化被毁", "下水道堵塞污水外溢", "供暖不达标", "物业费乱收费"],
    "环境保护": ["工厂排放废气刺鼻", "夜间施工噪音扰民", "河道污染发黑发臭", "餐馆油烟直排", "垃圾焚烧冒黑烟",
             "污水直排河流", "搅拌站粉尘污染", "养猪场臭味", "广场舞音响太吵", "工地扬尘严重", "化工厂偷排",
             "砍伐树木破坏生态", "采砂破坏河床", "固体废物随意倾倒", "空气质量差有异味"],
    "交通运输": ["公交车班次太少", "出租车拒载绕路", "道路坑洼不平", "红绿灯设置不合理", "高速收费不合理",
             "公交线路调整", "网约车违规营运", "道路长期施工封闭", "驾照考试预约难", "货车超载损坏路面",
             "停车位不足乱停车", "地铁站出口拥堵", "客运站黑车拉客", "乡村公路年久失修", "公交司机态度差"],
    "教育文体": ["学校乱收补课费", "幼儿园收费过高", "孩子入学报名难", "学区划分不合理", "老师体罚学生",
             "校外培训机构跑路", "教师工资拖欠", "中考加分政策", "学校食堂饭菜差", "体育场馆不开放",
             "图书馆开放时间短", "校车安全隐患", "民办学校转公办", "高考报名资格", "教师编制招考"],
    "劳动和社会保障": ["公司拖欠工资", "单位不交社保", "养老保险转移接续", "失业金申领", "工伤认定难",
                 "劳动合同不签", "医保异地报销", "退休金计算错误", "农民工讨薪", "加班费不发",
                 "社保卡补办", "人才引进补贴", "生育津贴发放", "被违法辞退", "职业技能培训补贴"],
    "商贸旅游": ["超市出售过期食品", "商家虚假宣传", "景区门票价格高", "旅行社强制购物", "预付卡商家跑路",
             "网购退货被拒", "市场缺斤少两", "酒店乱收费", "导游辱骂游客", "农贸市场脏乱",
             "加油站计量不准", "商铺租金上涨", "快递丢件不赔", "景区厕所太少", "电商平台售假"],
    "卫生计生": ["医院乱收费", "医生态度恶劣", "疫苗接种预约", "二胎准生证办理", "药店卖假药",
             "诊所无证行医", "住院床位紧张", "计生奖励未兑现", "医疗事故鉴定", "村卫生室缺医少药",
             "独生子女补贴", "医保药品目录", "儿科看病难", "出生医学证明办理", "食品卫生许可"],
}
PLACES = ["A市A{}区{}小区", "A{}区{}街道", "K{}县{}镇", "A市{}路{}号", "L{}区{}社区"]
FILLER = ["希望有关部门尽快处理", "已经反映多次没有结果", "严重影响居民生活", "请领导重视", "恳请政府解决",
          "群众意见很大", "谢谢", "望答复", "情况属实", "附近居民都很困扰", "请问该怎么办", "不知道找哪个部门"]


def synthetic(n: int, seed: int = 7) -> list[Sample]:
    """``n`` made-up messages over the seven classes (uneven sizes, as real
    hotlines are), each: a place, one or two phrases of its class, with a
    quarter a phrase of another class, and filler."""
    rng = random.Random(seed)
    labels = list(CLASSES)
    weights = [0.34, 0.12, 0.11, 0.14, 0.13, 0.09, 0.07]
    samples = []
    for _ in range(n):
        label = rng.choices(labels, weights)[0]
        parts = [rng.choice(PLACES).format(rng.randint(1, 9), rng.choice("东西南北中新华建"))]
        parts += rng.sample(CLASSES[label], rng.choice((1, 1, 2)))
        if rng.random() < 0.25:
            parts.append(rng.choice(CLASSES[rng.choice([x for x in labels if x != label])]))
        parts += rng.sample(FILLER, rng.randint(1, 3))
        rng.shuffle(parts)
        samples.append(Sample("，".join(parts) + "。", category=label))
    return samples


# --- real data ---------------------------------------------------------------------------

TEXT_COLUMNS = (("留言主题", "留言详情"), ("text",), ("诉求内容",), ("content",))
LABEL_COLUMNS = ("一级标签", "category", "分类", "unit", "主办单位")


def read_file(path: Path) -> list[Sample]:
    if path.suffix == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
    elif path.suffix == ".csv":
        import csv

        with path.open(encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = [str(v).strip() for v in next(values)]
        rows = [dict(zip(header, row, strict=False)) for row in values]
    columns = next(cols for cols in TEXT_COLUMNS if all(c in rows[0] for c in cols))
    label = next(c for c in LABEL_COLUMNS if c in rows[0])
    return [Sample(" ".join(str(row[c] or "").strip() for c in columns), category=str(row[label]).strip())
            for row in rows if row.get(label)]


def stratified(samples: list[Sample], n: int, seed: int = 0) -> list[Sample]:
    """``n`` samples keeping each label's share (at least two of each)."""
    if n >= len(samples):
        return list(samples)
    rng = random.Random(seed)
    by_label = defaultdict(list)
    for sample in samples:
        by_label[sample.category].append(sample)
    picked = []
    for items in by_label.values():
        take = max(2, round(n * len(items) / len(samples)))
        picked += rng.sample(items, min(take, len(items)))
    rng.shuffle(picked)
    return picked[:n]


# --- the models compared -------------------------------------------------------------------

def word_pipeline() -> Pipeline:
    from govhall.catalog.search import _segmenter

    jieba = _segmenter()
    from sklearn.linear_model import LogisticRegression

    return Pipeline([
        ("tfidf", TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None, ngram_range=(1, 2), sublinear_tf=True)),
        ("clf", LogisticRegression(C=10.0, solver="newton-cg", max_iter=200)),
    ])


MODELS = {"char 1-2 TF-IDF + calibrated linear SVM (govhall)": suggest.pipeline,
          "char 1-3 TF-IDF + logistic regression (govhall before)": suggest.pipeline_v1,
          "jieba words 1-2 TF-IDF + logistic regression": word_pipeline}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="a labelled file of messages (xlsx/csv/json)")
    parser.add_argument("--sample", type=int, default=1800)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--compare", action="store_true",
                        help="also cross-validate the previous default model and the word model")
    args = parser.parse_args()

    committed = sorted(p for p in DATA.glob("*") if p.suffix in (".json", ".csv", ".xlsx")) if DATA.exists() else []
    if args.data:
        origin, samples = f"file {args.data}", stratified(read_file(args.data), args.sample)
    elif committed:
        origin, samples = f"committed sample {committed[0].relative_to(ROOT)}", read_file(committed[0])
    else:
        origin, samples = "SYNTHETIC corpus (made up by this script: not an accuracy figure for real calls)", \
            synthetic(args.sample)
    print(f"data: {origin}")
    print(f"  {len(samples)} messages, classes: {dict(Counter(s.category for s in samples).most_common())}")

    for name, make in MODELS.items():
        if name != next(iter(MODELS)) and not args.compare:
            continue
        for n in (len(samples), args.small):
            subset = stratified(samples, n, seed=1)
            started = time.perf_counter()
            result = suggest.cross_validate(subset, "category", make=make)
            seconds = time.perf_counter() - started
            print(f"{name}, {len(subset)} orders, {result.folds}-fold: top-1 {result.top1:.3f}, "
                  f"top-3 {result.top3:.3f} ({seconds:.1f} s)")

    started = time.perf_counter()
    model = suggest.train([Sample(s.text, s.category, unit=s.category) for s in samples])
    print(f"training on {len(samples)} orders (both heads): {time.perf_counter() - started:.2f} s, "
          f"model file {len(model.dumps()) / 1024:.0f} KiB")
    texts = [s.text for s in synthetic(1000, seed=99)] if not args.data and not committed else \
        [s.text for s in stratified(samples, 1000, seed=2)]
    model.predict(texts[0])  # warm
    timings = []
    for text in texts:
        started = time.perf_counter()
        model.predict(text)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"suggestion latency (model, top 3 of both heads), {len(timings)} texts: "
          f"p50 {statistics.median(timings):.2f} ms, p99 {percentile(timings, 0.99):.2f} ms, "
          f"max {max(timings):.2f} ms")
    rules = suggest.Rules()
    for label, phrases in CLASSES.items():
        rules.add("category", label, label)
        for phrase in phrases[:3]:
            rules.add("category", label, phrase, weight=0.5)
    timings = []
    for text in texts:
        started = time.perf_counter()
        rules.predict(text)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"cold-start rules latency ({len(rules.keywords)} keywords): p50 {statistics.median(timings):.3f} ms, "
          f"p99 {percentile(timings, 0.99):.3f} ms")


if __name__ == "__main__":
    main()
