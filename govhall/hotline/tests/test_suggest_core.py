"""The classifier core on made-up calls: no database."""

from govhall.hotline import suggest
from govhall.hotline.suggest import Rules, Sample

WATER = ["小区停水三天了", "自来水管爆裂漏水", "水压太低楼上没水", "自来水浑浊发黄", "停水也不通知",
         "水表坏了要换", "供水管道破裂路面积水", "家里水龙头没有水", "水费收得太高", "自来水有异味"]
ROADS = ["路灯不亮晚上很黑", "道路坑洼不平", "人行道砖松动", "马路上井盖丢失", "路面塌陷危险",
         "公交站台破损", "红绿灯坏了", "桥梁护栏断了", "道路施工不封闭", "路灯白天一直亮着"]
SCHOOL = ["孩子入学报名问题", "学校乱收补课费", "幼儿园收费太高", "老师体罚学生", "学区划分不合理",
          "校车超载", "学校食堂卫生差", "转学手续怎么办", "课外培训机构跑路", "中考加分政策咨询"]


def samples() -> list[Sample]:
    return ([Sample(text, "0101", "U-W") for text in WATER] + [Sample(text, "0201", "U-B") for text in ROADS]
            + [Sample(text, "0301", "U-E") for text in SCHOOL])


def test_it_ranks_the_obvious_unit_first_with_a_confidence():
    model = suggest.train(samples())
    result = model.predict("我们小区又停水了，自来水一直没来")
    assert result.source == "model"
    assert [r.code for r in result.units][:1] == ["U-W"]
    assert result.categories[0].code == "0101"
    assert len(result.units) == 3 and 0.5 < result.units[0].confidence <= 1
    assert result.units[0].confidence > result.units[1].confidence
    assert pytest_approx_sum(result.units) <= 1.0001


def pytest_approx_sum(ranked):
    return sum(r.confidence for r in ranked)


def test_it_reports_its_own_cross_validated_accuracy():
    accuracy = suggest.cross_validate(samples(), "unit")
    assert accuracy.n == 30 and accuracy.folds == 5
    assert accuracy.top1 >= 0.7 and accuracy.top3 == 1.0
    # Labels that have nothing to do with the words: chance level, not a perfect score.
    noisy = [Sample(s.text, unit=f"U{i % 3}") for i, s in enumerate(samples())]
    assert suggest.cross_validate(noisy, "unit").top1 < 0.5


def test_too_little_history_trains_nothing():
    assert suggest.train(samples()[:5]) is None
    assert suggest.cross_validate(samples()[:5], "unit") is None


def test_a_single_known_unit_is_a_constant_answer():
    rows = [Sample(s.text, s.category, "U-W") for s in samples()]
    model = suggest.train(rows)
    assert [(r.code, r.confidence) for r in model.predict("路灯不亮").units] == [("U-W", 1.0)]


def test_a_model_survives_storage_round_trip():
    model = suggest.train(samples())
    again = suggest.loads(model.dumps())
    assert again.predict("学校乱收费").units[0].code == model.predict("学校乱收费").units[0].code == "U-E"


def test_rules_cold_start_from_names():
    rules = Rules()
    rules.add("unit", "U-W", "自来水公司")
    rules.add("unit", "U-B", "住房和城乡建设局")
    rules.add("unit", "U-E", "教育局", weight=1)
    rules.add("category", "0101", "供水")
    result = rules.predict("家里自来水停了，供水什么时候恢复")
    assert result.source == "rules"
    assert result.units[0].code == "U-W" and result.units[0].confidence < 1
    assert result.categories[0].code == "0101"
    assert rules.predict("城乡建设规划").units[0].code == "U-B"
    assert rules.predict("今天天气不错").units == []


def test_a_process_that_never_suggests_never_imports_scikit_learn():
    # Every process loads the URL configuration at its first request; scikit-learn cost it ~1 s
    # (bench/bench_stats.py's first page) before the classifier imported it where it is used.
    import os
    import subprocess
    import sys

    probe = ("import sys, django; django.setup(); import govhall.urls; "
             "print(sorted(m for m in ('sklearn', 'scipy', 'joblib') if m in sys.modules))")
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "govhall.settings"})
    assert answer.stdout.strip().splitlines()[-1] == "[]"


def test_a_unit_known_from_one_order_is_still_learned():
    # The calibration's folds each need every label; a unit with one closed order must not
    # make the whole training fail, and its own words still point at it.
    rows = samples() + [Sample("医院挂号排队看病难", "0401", "U-H")]
    model = suggest.train(rows)
    assert model.units.classes == ["U-B", "U-E", "U-H", "U-W"]
    assert model.predict("医院挂号难").units[0].code == "U-H"


def test_a_model_trained_before_the_calibrated_svm_still_loads_and_answers():
    texts, labels = suggest._pairs(samples(), "unit")
    old = suggest.Model(categories=None, units=suggest.Head(labels, texts, suggest.pipeline_v1), n=len(texts))
    again = suggest.loads(old.dumps())
    assert again.predict("学校乱收费").units[0].code == "U-E"


def test_the_quick_probabilities_are_scikit_learns():
    # Head.rank computes the calibrated probabilities itself (scikit-learn's are 30× slower per text).
    import numpy as np

    texts = ["小区停水了", "路灯坏了没人修", "学校收费", "今天天气不错"]
    for rows in (samples(), samples()[:20]):  # three labels; two (the binary case)
        labels_texts = suggest._pairs(rows, "unit")
        head = suggest.Head(labels_texts[1], labels_texts[0])
        assert np.allclose(head.rank(texts), head.pipeline.predict_proba(texts))
