"""Notices print to a readable PDF with an embedded Chinese font and a QR code."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
import reportlab
import segno
from reportlab.pdfbase import pdfmetrics

from govhall.documents import NoticeData, Party, Section, notice_pdf, notice_text
from govhall.documents import fonts
from govhall.documents.pdf import qr_matrix

# Everything our notices print besides Chinese characters (issue 12, item 7).
NOTICE_PUNCTUATION = "，。、：；“”《》（）·−—…％¥〔〕"
LATIN = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-.,:/()"
# A Latin TrueType font every install has (ReportLab ships it): proof an override is used.
VERA = str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")
VERIFY_URL = "https://hall.example.gov.cn/verify/GA2026-00012-7Q4K"


def acceptance_notice() -> NoticeData:
    return NoticeData(
        title="受理通知书",
        number="广安区审批受〔2026〕00012号",
        issuer="广安市广安区行政审批局",
        date_text="2026年3月2日",
        addressee="张三",
        parties=(
            Party("办件编号", "GA-20260302-00012"),
            Party("申请事项", "个体工商户设立登记"),
            Party("申请人", "张三（身份证件号码 1101**********0011）"),
            Party("查询码", "7Q4K-M2XD"),
        ),
        sections=(
            Section(
                paragraphs=(
                    "你（单位）于2026年3月2日提出的个体工商户设立登记申请，申请材料齐全、符合法定形式。"
                    "根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，本机关决定予以受理。",
                    "本机关将自受理之日起5个工作日内作出决定，承诺办结日期为2026年3月9日。"
                    "依法需要听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审的，所需时间不计算在期限内。",
                    "你可以凭办件编号和查询码在政务服务网或扫描下方二维码查询办理进度。",
                ),
            ),
        ),
        qr_url=VERIFY_URL,
        qr_caption="扫码核验本文书真伪",
        footer="本文书由 govhall 生成；示例数据",
        seal_text="广安市广安区行政审批局",
    )


def correction_notice() -> NoticeData:
    return NoticeData(
        title="一次性补正告知书",
        number="广安区审批补〔2026〕00007号",
        issuer="广安市广安区行政审批局",
        date_text="2026年3月3日",
        addressee="广安区明德餐饮管理有限公司",
        parties=(
            Party("办件编号", "GA-20260303-00031"),
            Party("申请事项", "食品经营许可（新办）"),
            Party("申请人", "广安区明德餐饮管理有限公司（统一社会信用代码 91511602MA6******X）"),
            Party("查询码", "H3PZ-98RA"),
        ),
        sections=(
            Section(
                paragraphs=(
                    "你单位于2026年3月3日提出的食品经营许可（新办）申请，经审查，申请材料不齐全（或者不符合法定形式）。"
                    "根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，现一次性告知你单位需要补正的全部内容如下：",
                ),
            ),
            Section(
                heading="需要补正的材料",
                rows=(
                    ("序号", "材料名称", "补正要求"),
                    ("1", "食品经营许可申请书", "法定代表人签字处空白，请签字并加盖公章"),
                    ("2", "食品安全管理制度", "缺少从业人员健康管理制度和食品安全自查制度，请补充完整"),
                    ("3", "经营场所平面布局图", "未标明设备布局及卫生设施位置，请按比例绘制并注明各功能区面积"),
                ),
            ),
            Section(
                heading="补正期限",
                paragraphs=(
                    "请于2026年3月10日前提交补正材料。补正期间不计入办理时限；逾期未补正的，视为撤回申请。",
                    "补正材料可以通过政务服务网上传，也可以到广安区政务服务中心二楼12号窗口提交。",
                ),
            ),
        ),
        qr_url=VERIFY_URL,
        qr_caption="扫码核验本文书真伪",
        footer="本文书由 govhall 生成；示例数据",
        seal_text="广安市广安区行政审批局",
    )


def long_notice() -> NoticeData:
    base = correction_notice()
    rows = (("序号", "材料名称", "补正要求"),) + tuple(
        (str(i), f"第{i}号材料名称", f"第{i}项补正要求：请按规定格式重新提交并加盖公章") for i in range(1, 41)
    )
    paragraphs = tuple(
        f"第{i}段：这是一段用于测试分页的较长说明文字，内容包含申请人应当知悉的权利义务和办理程序。" * 2
        for i in range(1, 11)
    )
    return NoticeData(
        title=base.title,
        number=base.number,
        issuer=base.issuer,
        date_text=base.date_text,
        addressee=base.addressee,
        parties=base.parties,
        sections=(Section(heading="说明", paragraphs=paragraphs), Section(heading="需要补正的材料", rows=rows)),
        qr_url=base.qr_url,
        qr_caption=base.qr_caption,
        footer=base.footer,
        seal_text=base.seal_text,
    )


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} is not installed (apt-get install poppler-utils)")
    return path


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    src = tmp_path / "notice.pdf"
    src.write_bytes(pdf)
    out = subprocess.run(
        [_tool("pdftotext"), "-enc", "UTF-8", str(src), "-"], check=True, capture_output=True
    )
    return out.stdout.decode("utf-8")


def _squash(text: str) -> str:
    # pdftotext puts spaces and line breaks where the layout wraps; compare without them.
    return "".join(text.split())


@pytest.fixture
def fresh_font():
    """Let a test choose the font again, and leave the real one behind it."""
    fonts.reset_pdf_font()
    yield
    fonts.reset_pdf_font()


@pytest.fixture
def fresh_machine(fresh_font, settings, monkeypatch):
    """No setting and no Debian font: only what pip installed from pyproject.toml."""
    settings.GOVHALL_PDF_FONT = ""
    monkeypatch.setattr(fonts, "DEFAULT_FONT_PATHS", ())


@pytest.fixture
def no_bundled_font(monkeypatch):
    """As if the font package had not been installed."""
    monkeypatch.setattr(fonts, "BUNDLED_FONT", ("govhall_no_such_font_package", "fonts/missing.ttc"))


def _pdffonts(pdf: bytes, tmp_path: Path) -> list[str]:
    src = tmp_path / "fonts.pdf"
    src.write_bytes(pdf)
    out = subprocess.run([_tool("pdffonts"), str(src)], check=True, capture_output=True).stdout.decode()
    return [line for line in out.splitlines()[2:] if line.strip()]


def _inked(face, char: str) -> bool:
    """The font maps the character to a glyph that is neither .notdef nor empty."""
    glyph = face.charToGlyph.get(ord(char), 0)  # 0 is .notdef
    return glyph != 0 and face.glyphPos[glyph + 1] > face.glyphPos[glyph]


def test_pdf_is_a_pdf():
    pdf = notice_pdf(acceptance_notice())
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_pdf_metadata_title_and_author(tmp_path):
    src = tmp_path / "n.pdf"
    src.write_bytes(notice_pdf(acceptance_notice()))
    info = subprocess.run([_tool("pdfinfo"), str(src)], check=True, capture_output=True).stdout.decode()
    assert "受理通知书 广安区审批受〔2026〕00012号" in info
    assert "Author:          广安市广安区行政审批局" in info
    assert "A4" in info
    assert "Pages:           1" in info


def test_same_notice_same_bytes():
    assert notice_pdf(acceptance_notice()) == notice_pdf(acceptance_notice())


def test_cjk_font_is_embedded(tmp_path):
    assert fonts.pdf_font_embedded()
    lines = _pdffonts(notice_pdf(acceptance_notice()), tmp_path)
    assert lines
    # name type encoding emb sub uni object ID: every font is an embedded subset
    assert all("yes" == line.split()[-5] for line in lines), lines
    assert any("TrueType" in line for line in lines), lines


def test_a_fresh_machine_embeds_the_bundled_font(fresh_machine, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", fonts.FontFallbackWarning)
        pdf = notice_pdf(acceptance_notice())
    font = fonts.pdf_font()
    assert font.embedded and font.path == fonts.bundled_font_path()
    assert "-packages/paperang_p2_fonts_cjk/" in font.path  # pip's, not Debian's
    lines = _pdffonts(pdf, tmp_path)
    assert len(lines) == 1 and lines[0].split()[0].split("+")[-1].startswith("WenQuanYiMicroHei"), lines
    assert lines[0].split()[1:5] == ["TrueType", "WinAnsi", "yes", "yes"], lines  # embedded, subset


def test_the_bundled_font_draws_every_character_notices_print(fresh_machine):
    face = pdfmetrics.getFont(fonts.pdf_font_name()).face
    assert [c for c in NOTICE_PUNCTUATION + LATIN if not _inked(face, c)] == []
    assert not _inked(face, "\U0001F600")  # the check can fail: no emoji in this font
    gb2312 = []  # GB 2312 level 1 and 2 hanzi: rows B0-F7
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                gb2312.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    assert len(gb2312) == 6763
    assert [c for c in gb2312 if not _inked(face, c)] == []


def test_punctuation_comes_back_out_of_the_pdf(fresh_machine, tmp_path):
    notice = NoticeData(title="受理通知书", number="1号", issuer="某局", date_text="2026年1月5日", addressee="张三",
                        sections=(Section(paragraphs=("符号：" + NOTICE_PUNCTUATION + " 费用¥1,280.00",)),))
    text = _squash(_pdftotext(notice_pdf(notice), tmp_path))
    assert _squash(NOTICE_PUNCTUATION) in text, text


def test_text_is_really_in_the_pdf(tmp_path):
    text = _squash(_pdftotext(notice_pdf(correction_notice()), tmp_path))
    for expected in (
        "一次性补正告知书",
        "广安区审批补〔2026〕00007号",
        "广安区明德餐饮管理有限公司：",
        "食品经营许可（新办）",
        "现一次性告知你单位需要补正的全部内容如下",
        "经营场所平面布局图",
        "2026年3月3日",
        "扫码核验本文书真伪",
        "第1页",
    ):
        assert _squash(expected) in text, expected


def test_markup_characters_print_literally(tmp_path):
    notice = NoticeData(
        title="测试",
        number="",
        issuer="测试局",
        date_text="2026年1月5日",
        addressee="A&B <公司>",
        sections=(Section(heading="<i>标题</i>", paragraphs=("见 <b>& 第二行\n换行后",), rows=(("a<b", "c&d"), ("<x/>", "&amp;"))),),
    )
    text = _pdftotext(notice_pdf(notice), tmp_path)
    for literal in ("<b>&", "A&B <公司>：", "<i>标题</i>", "a<b", "c&d", "<x/>", "&amp;", "换行后"):
        assert literal in text, literal


def test_qr_matrix_is_segnos_full_qr_code():
    matrix = qr_matrix(VERIFY_URL)
    assert matrix == tuple(tuple(bool(c) for c in row) for row in segno.make_qr(VERIFY_URL, error="m").matrix)
    # A short path would become a Micro QR with segno.make; phones want a full one.
    assert len(qr_matrix("/v/abc")) >= 21


def test_qr_code_decodes_to_the_url(tmp_path):
    zbarimg = shutil.which("zbarimg")
    if not zbarimg:
        pytest.skip("zbarimg is not installed (apt-get install zbar-tools)")
    src = tmp_path / "n.pdf"
    src.write_bytes(notice_pdf(correction_notice()))
    subprocess.run([_tool("pdftoppm"), "-r", "200", "-png", "-f", "1", "-l", "1", str(src), str(tmp_path / "p")], check=True)
    (png,) = tmp_path.glob("p*.png")
    out = subprocess.run([zbarimg, "--quiet", "--raw", str(png)], capture_output=True, check=True)
    assert out.stdout.decode().strip() == VERIFY_URL


def test_no_qr_without_url(tmp_path):
    notice = NoticeData(title="受理通知书", number="1号", issuer="某局", date_text="2026年1月5日", addressee="张三", qr_caption="扫码")
    text = _pdftotext(notice_pdf(notice), tmp_path)
    assert "扫码" not in text
    assert "核验" not in notice_text(notice)


def test_long_notice_flows_onto_more_pages(tmp_path):
    notice = long_notice()
    src = tmp_path / "n.pdf"
    src.write_bytes(notice_pdf(notice))
    info = subprocess.run([_tool("pdfinfo"), str(src)], check=True, capture_output=True).stdout.decode()
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 2
    text = _squash(_pdftotext(src.read_bytes(), tmp_path))
    assert "第2页" in text
    assert "第40号材料名称" in text
    assert text.count("材料名称") >= 40 + 2  # the header row repeats on the next page


def test_notice_text_has_everything_in_order():
    notice = long_notice()
    text = notice_text(notice)
    expected = [
        notice.issuer,
        notice.title,
        notice.number,
        "广安区明德餐饮管理有限公司：",
        "办件编号：GA-20260303-00031",
        "查询码：H3PZ-98RA",
        "说明",
        *(("\u3000\u3000" + p) for p in notice.sections[0].paragraphs),
        "需要补正的材料",
        "序号 | 材料名称 | 补正要求",
        *(f"{i} | 第{i}号材料名称" for i in range(1, 41)),
        notice.date_text,
        f"扫码核验本文书真伪：{VERIFY_URL}",
        notice.footer,
    ]
    position = 0
    for piece in expected:
        found = text.find(piece, position)
        assert found >= 0, f"{piece!r} missing or out of order"
        position = found + len(piece)


def test_notice_text_of_a_bare_notice():
    notice = NoticeData(title="送达回证", number="", issuer="", date_text="", addressee="")
    assert notice_text(notice) == "送达回证\n"


def test_missing_font_falls_back_and_warns_once(fresh_font, no_bundled_font, settings, monkeypatch, tmp_path):
    settings.GOVHALL_PDF_FONT = str(tmp_path / "no-such-font.ttf")
    monkeypatch.setattr(fonts, "DEFAULT_FONT_PATHS", (str(tmp_path / "missing.ttc"),))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = notice_pdf(acceptance_notice())
        second = notice_pdf(correction_notice())
    assert first.startswith(b"%PDF") and second.startswith(b"%PDF")
    assert fonts.pdf_font_name() == "STSong-Light"
    assert not fonts.pdf_font_embedded()
    messages = [str(w.message) for w in caught if issubclass(w.category, fonts.FontFallbackWarning)]
    assert len(messages) == 1, messages
    assert "no-such-font.ttf" in messages[0] and "bundled font is missing" in messages[0]
    assert "pip install paperang-p2-fonts-cjk" in messages[0] and "GOVHALL_PDF_FONT" in messages[0]
    if shutil.which("pdftotext"):
        assert "受理通知书" in _squash(_pdftotext(first, tmp_path))


def test_configured_font_is_used(fresh_font, settings, tmp_path):
    # The setting wins over the bundled font, which is installed.
    assert fonts.bundled_font_path()
    settings.GOVHALL_PDF_FONT = VERA
    with warnings.catch_warnings():
        warnings.simplefilter("error", fonts.FontFallbackWarning)
        assert fonts.pdf_font().path == VERA and fonts.pdf_font_embedded()
        pdf = notice_pdf(acceptance_notice())
    assert [line.split()[0].split("+")[-1] for line in _pdffonts(pdf, tmp_path)] == ["BitstreamVeraSans-Roman"]


def test_missing_configured_font_falls_back_to_the_bundled_one(fresh_machine, settings, tmp_path):
    settings.GOVHALL_PDF_FONT = str(tmp_path / "typo.ttf")
    with pytest.warns(fonts.FontFallbackWarning, match="typo.ttf") as caught:
        assert fonts.pdf_font().path == fonts.bundled_font_path()
    assert "bundled" not in str(caught[0].message)


def test_without_the_bundled_font_a_debian_font_is_used(fresh_font, no_bundled_font, settings, monkeypatch):
    settings.GOVHALL_PDF_FONT = ""
    monkeypatch.setattr(fonts, "DEFAULT_FONT_PATHS", ("/nonexistent/wqy-microhei.ttc", VERA))
    assert fonts.bundled_font_path() == ""
    with pytest.warns(fonts.FontFallbackWarning, match="bundled font is missing.*paperang-p2-fonts-cjk"):
        assert fonts.pdf_font().path == VERA and fonts.pdf_font_embedded()


def test_an_unembeddable_font_is_reported(fresh_font, no_bundled_font, settings, monkeypatch, tmp_path):
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")
    settings.GOVHALL_PDF_FONT = str(bogus)
    monkeypatch.setattr(fonts, "DEFAULT_FONT_PATHS", ())
    with pytest.warns(fonts.FontFallbackWarning, match="cannot embed"):
        assert fonts.pdf_font_name() == "STSong-Light"


def test_package_imports_no_domain_app():
    package = Path(__file__).resolve().parents[1]
    for source in package.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        for app in ("cases", "catalog", "org", "portal", "supervision", "workbench", "api"):
            assert f"govhall.{app}" not in text, (source.name, app)
        if source.name != "fonts.py":
            assert "from django" not in text and "import django" not in text, source.name


def test_chinese_punctuation_never_starts_a_line(tmp_path):
    # At this width the comma after "的" would be the first character of line two.
    notice = correction_notice()
    lines = [line.strip() for line in _pdftotext(notice_pdf(notice), tmp_path).splitlines()]
    assert any(line.endswith("逾期未补正的，") for line in lines), lines
    assert not [line for line in lines if line and line[0] in "，。；：？！、）》"]


@pytest.mark.parametrize("ending", ["paragraph", "short table"])
def test_seal_never_stands_alone_on_a_page(tmp_path, ending):
    """Whatever the length, the page with the seal also carries body text."""
    _tool("pdftotext")
    base = acceptance_notice()
    multi_page = 0
    for count in range(8, 20):
        paragraphs = tuple(f"第{i}段说明文字，内容包含申请人应当知悉的权利义务和办理程序。" * 3 for i in range(count))
        last = (
            Section(heading="末段", paragraphs=("最后一段正文。",))
            if ending == "paragraph"
            else Section(heading="材料", rows=(("序号", "材料"), ("1", "最后一张表格")))
        )
        notice = NoticeData(
            title=base.title, number=base.number, issuer=base.issuer, date_text=base.date_text,
            addressee=base.addressee, sections=(Section(paragraphs=paragraphs), last),
            qr_url=base.qr_url, qr_caption=base.qr_caption, footer=base.footer, seal_text=base.seal_text,
        )
        pages = _pdftotext(notice_pdf(notice), tmp_path).split("\f")
        pages = [p for p in pages if p.strip()]
        multi_page += len(pages) > 1
        # The seal closes the last page; the last body element must be there too.
        assert "最后" in pages[-1], (count, pages[-1])
    assert multi_page  # the range did cross a page boundary


def test_a_cell_longer_than_a_page_continues_on_the_next(tmp_path):
    # ReportLab cannot break a table row: a 12,000-character cell made the
    # notice fail for good (LayoutError). Now the row continues below.
    problem = "证明文件与原件不符" * 1334
    notice = NoticeData(title="补正材料通知书", number="审批局补〔2026〕1号", issuer="示例区行政审批局",
                        date_text="2026年3月2日", addressee="张" * 5000,
                        parties=(Party("申请人", "张" * 5000),),
                        sections=(Section(rows=(("序号", "材料", "需要补正的内容"), ("1", "申请书", problem))),))
    pdf = notice_pdf(notice)
    text = _pdftotext(pdf, tmp_path)
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 10
    assert all(f"第 {n} 页 共 {len(pages)} 页" in page for n, page in enumerate(pages, start=1))
    assert _squash(text).count("证明文件与原件不符") == 1334
