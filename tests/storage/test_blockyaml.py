"""The block-style loader reads what commlog writes exactly as PyYAML does, and leaves the rest to it."""

from __future__ import annotations

import math
import random
import textwrap
from datetime import date, datetime

import pytest
import yaml

from commlog.storage import yamlio
from commlog.storage.blockyaml import load_block_yaml

TRICKY_STRINGS = [
    "", " ", "yes", "No", "off", "~", "null", "12:30", "1:30:00", "2024-03-15", "2024-03-15 14:30",
    "2024-03-15T14:30:00+08:00", "0o17", "0x1F", "1_000", "3.14", ".inf", "-5", "'q'", '"d"', "it's",
    "a: b", "a:b", "#x", "a #b", "C#", "- x", "-x", "? x", "?x", ":x", "[a]", "{b: c}", "&a", "*a", "!t",
    "%p", "@x", "*经理", "客户反馈:导出", "line1\nline2", "line1\n", "line1\n\n", "\nlead", " lead", "trail ",
    "a\n b", "tab\there", "=", "<<", "😀", "a  b", "'", "''", "|", ">", "--- x", "...", "a\n\n\nb\n",
    "  indented\nline", "status: resolved", "x\n---\ny",
]


def same(left, right) -> bool:
    """Compare loaded data by value and by type, so that 1 and True differ."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        pairs = list(zip(left.items(), right.items()))
        return len(left) == len(right) and all(same(a[0], b[0]) and same(a[1], b[1]) for a, b in pairs)
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return left == right


def random_value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth < 3 and roll < 0.15:
        return {random_key(rng): random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if depth < 3 and roll < 0.3:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.4:
        return rng.choice([True, False, None, 0, 7, -3, 2.5, date(2024, 3, 15), datetime(2024, 3, 15, 14, 30)])
    return "".join(rng.choice(TRICKY_STRINGS) for _ in range(rng.randint(1, 2)))


def random_key(rng: random.Random) -> str:
    return rng.choice(["id", "status", "a_b", "yes", "1", "it's", "a b", "k:v", "é", "-k", "null", rng.choice(TRICKY_STRINGS)])


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_pyyaml_on_dumped_data(seed):
    rng = random.Random(seed)
    handled = 0
    for _ in range(2000):
        data = {random_key(rng): random_value(rng) for _ in range(rng.randint(1, 8))}
        text = yamlio.dump(data)
        loaded = load_block_yaml(text)
        if loaded is not None:
            handled += 1
            assert same(loaded, yamlio.load(text)), text
    assert handled > 200


def test_reads_a_record_front_matter():
    meta = {
        "id": "CLI-20240315-7K3Q",
        "title": "导出异常: 第二次",
        "brief": "第一行\n第二行\n",
        "plan": ["排查日志", "16:00前修复"],
        "owners": [{"department": "技术部", "person": "*经理"}, {"department": "客户成功部", "person": "*专员"}],
        "important": True,
        "notes": "keep\n\n",
        "acks": [],
        "deadlines": {"priority": "normal", "backfill": False, "ack": {"at": "2024-03-15T16:00:00+08:00", "provisional": [2027]}},
        "empty": None,
    }
    text = yamlio.dump(meta)
    assert load_block_yaml(text) == meta


@pytest.mark.parametrize(
    "text",
    [
        'title: "double quoted"\n',
        "title: [a, b]\n",
        "title: a # comment\n",
        "title: &anchor a\nother: *anchor\n",
        "title: !!str 12\n",
        "title: >\n  folded\n",
        "title: |2\n   indented\n",
        "title: first\n  continued\n",
        "a: 1\n\nb: 2\n",
        "# comment\na: 1\n",
        "- a\n- b\n",
        "yes: 1\n",
        "1: one\n",
        "a: b: c\n",
        "a:\n  - x\n   - y\n",
        "a: 1\n b: 2\n",
        "a: |\n\n  text\n",
        "a: x\tb\n",
        "? a\n: b\n",
        "a: 'open\nb: c'\n",
        "",
    ],
)
def test_leaves_other_yaml_to_pyyaml(text):
    assert load_block_yaml(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "a: |\n  one\n  two\nb: x\n",
        "a: |-\n  one\n\n  two\n\n\nb: x\n",
        "a: |+\n  one\n\n\nb: x\n",
        "list:\n- |-\n  one\n  two\n- x\n",
        "a:\n- b: 1\n  c:\n  - 2\n  - 3\n  d: {}\n- []\nz: ~\n",
        "a:\n  b:\n    c: '1'\n  d: 2024-03-15\n",
        "when: 2024-03-15 14:30:00\nnumber: 0x1F\nflag: off\ntime: 12:30\n",
        "a: -5\nb: ?x\nc: :x\nd: C#\ne: it's\n",
    ],
)
def test_matches_pyyaml_on_written_forms(text):
    loaded = load_block_yaml(text)
    assert loaded is not None
    assert same(loaded, yaml.load(textwrap.dedent(text), Loader=yamlio.FastSafeLoader))
