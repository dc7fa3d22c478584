"""The small-group rule: no figure computed over fewer than five women is shown."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wrse_bot.domain.disclosure import Withheld, count, counts, over, part_of

K = 5
HIDDEN = Withheld(K)


def test_a_withheld_figure_reads_less_than_the_group_size() -> None:
    assert str(HIDDEN) == "< 5"
    assert str(Withheld(10)) == "< 10"


def test_counts_of_one_to_four_women_are_withheld_zero_and_five_are_shown() -> None:
    assert [count(n, K) for n in range(7)] == [0, HIDDEN, HIDDEN, HIDDEN, HIDDEN, 5, 6]
    assert counts({"eligible": 12, "not_eligible": 1, "needs_review": 0}, K) == {
        "eligible": 12,
        "not_eligible": HIDDEN,
        "needs_review": 0,
    }


def test_a_median_of_one_woman_is_her_income_and_is_withheld() -> None:
    assert over(7.0, 1, K) == HIDDEN
    assert over(7.0, 4, K) == HIDDEN
    assert over(7.0, 5, K) == 7.0
    assert over(None, 0, K) is None  # nothing to show yet, not a secret


def test_a_share_of_too_few_women_is_withheld_with_its_parts() -> None:
    assert part_of(1, 2, K) == (HIDDEN, HIDDEN, HIDDEN)
    assert part_of(0, 3, K) == (HIDDEN, HIDDEN, HIDDEN)  # "none of 3" describes all three
    assert part_of(6, 10, K) == (6, 10, 0.6)
    # 2 of 10 is a small group: the share times 10 would give it back.
    assert part_of(2, 10, K) == (HIDDEN, 10, HIDDEN)
    # Marks (sessions) can be many while the women are few.
    assert part_of(8, 10, K, women=2) == (HIDDEN, HIDDEN, HIDDEN)
    assert part_of(0, 0, K) == (0, 0, None)


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=50))
def test_no_shown_count_is_between_one_and_the_group_size(n: int, k: int) -> None:
    shown = count(n, k)
    assert isinstance(shown, Withheld) or shown == 0 or shown >= k
    assert isinstance(shown, Withheld) or shown == n
