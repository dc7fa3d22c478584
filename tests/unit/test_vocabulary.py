"""Typed answers on every button question: labels, synonyms and small typos,
from one vocabulary shared by all forms (issue 10, "Typed answers")."""

from __future__ import annotations

import pytest

from wrse_bot.domain.catalog import EDUCATION, MARITAL_LABELS, OCCUPATIONS, SKILLS
from wrse_bot.domain.obstacles import HELP_KINDS, OBSTACLES
from wrse_bot.domain.places import load_places
from wrse_bot.domain.vocabulary import (
    EDUCATION_WORDS,
    HELP_WORDS,
    MARITAL_WORDS,
    OBSTACLE_WORDS,
    OCCUPATION_WORDS,
    SKILL_WORDS,
    YES_NO,
    Vocabulary,
    distance,
    fold,
    is_emoji_only,
    place_words,
)
from wrse_bot.i18n import translator


def kecamatan_words() -> Vocabulary:
    return place_words(tuple((p.code, p.name) for p in load_places().kecamatan()))


def test_the_examples_the_issue_names_are_understood() -> None:
    assert SKILL_WORDS.match("memasak") == "memasak"
    assert SKILL_WORDS.match("masak") == "memasak"
    assert MARITAL_WORDS.match("janda, suami sdh meninggal") == "cerai_mati"
    assert EDUCATION_WORDS.match("tdk sekolah") == "tidak_sekolah"
    junrejo = kecamatan_words().match("junrjo")
    assert junrejo is not None and load_places().get(junrejo).name == "Junrejo"


@pytest.mark.parametrize(
    "typed", ["ya", "Iya", "iyaaa", "nggih", "inggih", "enggeh", "sudah", "sdh", "betul", "👍"]
)
def test_yes_words_mean_yes_in_every_form(typed: str) -> None:
    assert YES_NO.match(typed) == "yes"


@pytest.mark.parametrize(
    "typed",
    ["tidak", "tdk", "belum", "blm", "nggak", "gak", "mboten", "bukan", "ora", "ga mau", "👎"],
)
def test_no_words_mean_no_in_every_form(typed: str) -> None:
    # "belum" and "bukan" mean no everywhere, not only in the check-in or the intake.
    assert YES_NO.match(typed) == "no"


@pytest.mark.parametrize("typed", ["mungkin", "ya tidak", "", "   ", "halo", "3"])
def test_words_that_are_neither_yes_nor_no_are_not_guessed(typed: str) -> None:
    assert YES_NO.match(typed) is None


VOCABULARIES = [
    (SKILL_WORDS, SKILLS),
    (MARITAL_WORDS, MARITAL_LABELS),
    (EDUCATION_WORDS, EDUCATION),
    (OCCUPATION_WORDS, OCCUPATIONS),
    (OBSTACLE_WORDS, OBSTACLES),
    (HELP_WORDS, HELP_KINDS),
]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(("words", "labels"), VOCABULARIES)
def test_typing_a_buttons_label_is_the_same_as_tapping_it(
    words: Vocabulary, labels: dict[str, str], language: str
) -> None:
    t = translator(language)
    for code, label in labels.items():
        assert words.match(t(label)) == code, (t(label), code)
        assert words.match(t(label).upper() + "!") == code


@pytest.mark.parametrize(
    ("words", "typed", "code"),
    [
        (SKILL_WORDS, "menjahi", "menjahit"),  # a letter missing
        (SKILL_WORDS, "membatki", "membatik"),  # two letters swapped
        (SKILL_WORDS, "mau masak", "memasak"),  # within a sentence
        (MARITAL_WORDS, "cerai mati", "cerai_mati"),  # the longer term wins over "cerai"
        (MARITAL_WORDS, "belum menikah", "belum_kawin"),
        (MARITAL_WORDS, "nikah siri", "kawin_belum_tercatat"),
        (EDUCATION_WORDS, "Tidak/belum sekolah", "tidak_sekolah"),
        (EDUCATION_WORDS, "tidak tamat SD", "belum_tamat_sd"),
        (EDUCATION_WORDS, "smk", "sma"),
        (HELP_WORDS, "mesin jahit", "mesin_jahit"),
        (OBSTACLE_WORDS, "kurang modal", "modal"),
    ],
)
def test_synonyms_and_small_typos_find_their_code(words: Vocabulary, typed: str, code: str) -> None:
    assert words.match(typed) == code


@pytest.mark.parametrize(
    ("words", "typed"),
    [
        (MARITAL_WORDS, "janda"),  # widowed or divorced: she is asked to tap
        (SKILL_WORDS, "warung pecel"),  # her own words, nothing of ours
        (EDUCATION_WORDS, "sm"),  # short words get no typo allowance
        (OBSTACLE_WORDS, "anak sering sakit"),  # two obstacles named: not guessed
    ],
)
def test_ambiguous_or_unknown_words_name_nothing(words: Vocabulary, typed: str) -> None:
    assert words.match(typed) is None


def test_a_form_may_refuse_words_inside_a_sentence() -> None:
    # The check-in's business kind keeps "warung makan" as her own words.
    assert SKILL_WORDS.match("warung masak", within=False) is None
    assert SKILL_WORDS.match("masak", within=False) == "memasak"


def test_one_term_cannot_name_two_codes() -> None:
    with pytest.raises(ValueError, match="names both"):
        Vocabulary({"a": ("modal",), "b": ("Modal!",)})


def test_folding_spells_out_shorthands_and_drops_decoration() -> None:
    assert fold("  Tdk   SEKOLAH!! ") == "tidak sekolah"
    assert fold("Iyaaa 👍🏽") == "iya 👍"
    assert fold("Oro-oro Ombo") == "oro oro ombo"
    assert is_emoji_only("🙏🙏") and not is_emoji_only("ok 🙏") and not is_emoji_only("")


def test_distance_is_bounded() -> None:
    assert distance("junrjo", "junrejo", 1) == 1
    assert distance("abcd", "badc", 2) == 2  # two swaps
    assert distance("kesehatan", "pemasaran", 2) == 3  # "more than the limit"
