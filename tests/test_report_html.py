"""The HTML review page: self-contained, and drawn by a real headless browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_report import figures, month, review  # noqa: F401 - module fixtures shared with the Markdown tests

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
# Appended to a copy of the page by the test only: it records the size the browser gave every chart shape.
MEASURE = """<script>
const sizes = [...document.querySelectorAll('svg.chart rect.bar, svg.chart rect.day, svg.chart rect.segment')]
  .map(shape => { const box = shape.getBoundingClientRect(); return [shape.getAttribute('class'), box.width, box.height]; });
document.body.setAttribute('data-sizes', JSON.stringify(sizes));
</script>"""


@pytest.fixture(scope="module")
def page(month, tmp_path_factory) -> Path:  # noqa: F811 - pytest fixture argument
    root, _ = month
    target = tmp_path_factory.mktemp("html") / "review.html"
    result = review(root, "--format", "html", "--output", str(target), lang="zh-CN")
    assert result.exit_code == 0, result.output
    return target


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_html_page_is_self_contained(page):
    text = page.read_text(encoding="utf-8")
    assert re.search(r"https?://|<link|<script|@import|url\(", text) is None


def test_html_page_has_headings(page):
    text = page.read_text(encoding="utf-8")
    assert "<h1>沟通复盘 2024-03</h1>" in text
    assert "<h2>响应时间</h2>" in text


def test_html_type_chart_values(page, figures):  # noqa: F811
    text = page.read_text(encoding="utf-8")
    card = text.split('id="volume-type"', 1)[1].split("</svg>", 1)[0]
    values = [float(value) for value in re.findall(r'class="bar" [^>]*data-value="([0-9.]+)"', card)]
    assert values == [group["count"] for group in figures["volume"]["type"]]


def test_html_english_labels(month, tmp_path):  # noqa: F811
    root, _ = month
    target = tmp_path / "review.html"
    review(root, "--format", "html", "--output", str(target))
    text = target.read_text(encoding="utf-8")
    assert '<html lang="en">' in text
    assert "Customer communication record" in text


@needs_chromium
def test_html_charts_drawn_in_browser(page, tmp_path):
    measured = tmp_path / "measured.html"
    measured.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    completed = chromium(tmp_path, "--dump-dom", measured.as_uri())
    assert completed.returncode == 0, completed.stderr[-2000:]
    match = re.search(r'data-sizes="([^"]*)"', completed.stdout)
    assert match is not None, completed.stdout[:500]
    sizes = json.loads(match.group(1).replace("&quot;", '"'))
    bars = [(width, height) for kind, width, height in sizes if kind == "bar"]
    assert len(bars) >= 10
    assert all(width > 0 and height > 0 for width, height in bars)


@needs_chromium
def test_html_screenshot_taken(page, tmp_path):
    picture = tmp_path / "review.png"
    completed = chromium(tmp_path, f"--screenshot={picture}", page.as_uri())
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_escapes_titles(cli, repo, tmp_path):
    from tests.conftest import NOTICE_FIELDS, set_args

    fields = {**NOTICE_FIELDS, "title": "<script>alert(1)</script> & 周会"}
    for at in ("2024-03-05 10:00", "2024-03-06 10:00"):
        created = cli("new", "notice", "--no-input", "--at", at, *set_args(fields))
        assert created.exit_code == 0, created.output
    target = tmp_path / "review.html"
    cli("report", "--month", "2024-03", "--at", "2024-04-01 09:00", "--format", "html", "--output", str(target))
    text = target.read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 周会" in text
