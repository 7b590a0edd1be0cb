"""Statistics of the monthly review: median, percentiles, counts by group, similar titles.

Percentiles use the nearest-rank method: the p-th percentile of n sorted
values is the value at rank ``ceil(p / 100 * n)`` (1-based). It always returns
one of the observed durations, which reads better in a review than an
interpolated one. The median is the usual one: the middle value, or the mean
of the two middle values when n is even.

Repeat topics are found by character bigrams, because Chinese titles have no
spaces between words. A title is normalised (Unicode NFKC, so full-width
letters and digits become ASCII, then case-folded, keeping only letters and
digits), cut into overlapping two-character pieces, and two titles are similar
when the Dice coefficient of their bigram sets, ``2·|A∩B| / (|A|+|B|)``, is at
least the threshold. Similar titles are grouped transitively.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
DEFAULT_SIMILARITY = 0.5


def median(values: Sequence[Any]) -> Any:
    """Return the median of numbers or timedeltas; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[Any], share: float) -> Any:
    """Return the nearest-rank percentile (``share`` 0.9 for p90); None for no values."""
    if not values:
        return None
    if not 0 < share <= 1:
        raise ValueError(f"percentile share {share!r} must be in (0, 1]")
    ordered = sorted(values)
    rank = math.ceil(round(share * len(ordered), 9))
    return ordered[max(rank, 1) - 1]


def count_by(items: Iterable[T], keys: Callable[[T], Iterable[Hashable]]) -> list[tuple[Hashable, int]]:
    """Count items per key, largest count first, then by key; an item may have several keys.

    ``keys`` returns the keys of one item, each counted at most once per item
    (a collaboration with two target departments counts once for each).
    """
    counts: Counter[Hashable] = Counter()
    for item in items:
        counts.update(set(keys(item)))
    return sorted(counts.items(), key=lambda pair: (-pair[1], str(pair[0])))


def normalise_title(title: str) -> str:
    """Return ``title`` reduced to case-folded letters and digits, after NFKC."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return "".join(character for character in folded if unicodedata.category(character)[0] in "LN")


def bigrams(text: str) -> frozenset[str]:
    """Return the set of overlapping two-character pieces; a one-character text is its own piece."""
    if len(text) < 2:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[index : index + 2] for index in range(len(text) - 1))


def dice(first: frozenset[str], second: frozenset[str]) -> float:
    """Return the Dice coefficient of two sets: 1.0 for equal sets, 0.0 for disjoint or empty ones."""
    if not first or not second:
        return 0.0
    return 2 * len(first & second) / (len(first) + len(second))


def similar_groups(titles: Sequence[str], threshold: float = DEFAULT_SIMILARITY) -> list[list[int]]:
    """Group the indexes of similar titles; return groups of two or more, largest first.

    Only pairs that share a bigram are compared, through an index from bigram
    to titles, so a month of titles with little in common is cheap.
    """
    pieces = [bigrams(normalise_title(title)) for title in titles]
    parent = list(range(len(titles)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    seen_with: dict[str, list[int]] = {}
    for index, own in enumerate(pieces):
        candidates = {other for piece in own for other in seen_with.get(piece, ())}
        for other in candidates:
            if dice(own, pieces[other]) >= threshold:
                parent[root(index)] = root(other)
        for piece in own:
            seen_with.setdefault(piece, []).append(index)

    groups: dict[int, list[int]] = {}
    for index in range(len(titles)):
        groups.setdefault(root(index), []).append(index)
    found = [members for members in groups.values() if len(members) > 1]
    return sorted(found, key=lambda members: (-len(members), members[0]))
