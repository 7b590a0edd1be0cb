"""Pure parts of the review: statistics, title similarity, periods."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commlog.core.periods import PeriodError, month_period, previous_period, quarter_period, range_period
from commlog.core.stats import bigrams, count_by, dice, median, normalise_title, percentile, similar_groups

ZONE = ZoneInfo("Asia/Shanghai")


def test_median_odd_count():
    assert median([5, 1, 3]) == 3


def test_median_even_count_averages():
    assert median([timedelta(minutes=10), timedelta(minutes=40)]) == timedelta(minutes=25)


def test_median_empty_is_none():
    assert median([]) is None


@pytest.mark.parametrize("values, expected", [
    (list(range(1, 11)), 9),
    (list(range(1, 21)), 18),
    ([7], 7),
    ([1, 2, 3], 3),
])
def test_percentile_nearest_rank(values, expected):
    assert percentile(values, 0.9) == expected


def test_percentile_rejects_bad_share():
    with pytest.raises(ValueError):
        percentile([1], 0)


def test_count_by_counts_each_key_once_per_item():
    items = [["设计部", "设计部", "产品部"], ["产品部"]]
    assert count_by(items, lambda item: item) == [("产品部", 2), ("设计部", 1)]


def test_normalise_title_folds_width_and_punctuation():
    assert normalise_title("Ｑ２ 新品，上市！") == "q2新品上市"


def test_bigrams_of_short_text():
    assert bigrams("会") == frozenset({"会"})


def test_dice_identical_titles():
    assert dice(bigrams("数据导出异常"), bigrams("数据导出异常")) == 1.0


def test_similar_groups_chinese_titles():
    titles = ["系统后台数据导出功能异常", "季度预算编制口径确认", "后台数据导出功能又异常", "官网首页改版评审"]
    assert similar_groups(titles) == [[0, 2]]


def test_similar_groups_threshold():
    titles = ["数据导出异常", "数据导入异常"]
    assert similar_groups(titles, threshold=0.9) == []


def test_month_period_bounds():
    period = month_period("2024-02", ZONE)
    assert period.start == datetime(2024, 2, 1, tzinfo=ZONE)
    assert period.end == datetime(2024, 3, 1, tzinfo=ZONE)
    assert len(period.days) == 29


def test_previous_month_crosses_year():
    previous = previous_period(month_period("2024-01", ZONE))
    assert previous.label == "2023-12"


def test_previous_quarter():
    assert previous_period(quarter_period("2024-Q1", ZONE)).label == "2023-Q4"


def test_range_includes_last_day():
    period = range_period("2024-03-04", "2024-03-08", ZONE)
    assert period.end == datetime(2024, 3, 9, tzinfo=ZONE)
    assert period.label == "2024-03-04..2024-03-08"


def test_previous_range_same_length():
    previous = previous_period(range_period("2024-03-04", "2024-03-08", ZONE))
    assert previous.label == "2024-02-28..2024-03-03"


@pytest.mark.parametrize("value", ["2024-3-x", "2024-00", "24-03"])
def test_month_period_rejects(value):
    with pytest.raises(PeriodError):
        month_period(value, ZONE)
