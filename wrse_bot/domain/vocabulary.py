"""Words a woman types instead of tapping a button, for every form in one place.

A choice question accepts the button's label, common synonyms and small typos
("junrjo" is Junrejo, "janda, suami sdh meninggal" is cerai mati), compared
folded: lower case, no accents or punctuation, stretched letters ("iyaaa") and
SMS shorthands ("tdk") undone. Per code: the English label (the msgid), the
Indonesian one and the synonyms people use (a test checks every translation).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

from wrse_bot.domain.aid import AID_KINDS
from wrse_bot.domain.catalog import EDUCATION, MARITAL_LABELS, OCCUPATIONS, SKILLS
from wrse_bot.domain.obstacles import HELP_KINDS, OBSTACLES

# Shorthands of chat Indonesian, spelled out before matching.
SHORTHANDS: dict[str, str] = {
    short: word
    for word, shorts in {
        "tidak": "tdk tak ndak gak ga nggak enggak",
        "sudah": "sdh udh udah",
        "belum": "blm blum belom",
        "yang": "yg",
        "dengan": "dgn",
        "saya": "sy",
    }.items()
    for short in shorts.split()
}
MAX_WORDS = 12  # a longer message is a sentence, not an answer to a button
_STRETCHED = re.compile(r"([^\W\d_])\1+")
_SHORT = {_STRETCHED.sub(r"\1", k): v for k, v in SHORTHANDS.items()}  # "nggak" folds to "ngak"


def fold(text: str) -> str:
    """Comparable form of typed text: ``"Tdk  Sekolah!"`` -> ``"tidak sekolah"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category[0] in "LN":
            kept.append(char)
        elif category == "So":
            kept.append(f" {char} ")  # an emoji is a word of its own
        elif category[0] != "M" and category not in ("Sk", "Cf"):
            kept.append(" ")  # punctuation separates words; accents and skin tones vanish
    words = _STRETCHED.sub(r"\1", "".join(kept)).split()
    return " ".join(_SHORT.get(w, w) for w in words)


def is_emoji_only(text: str) -> bool:
    """Only pictures (emoji), no letter or digit: something to look at, not to read."""
    folded = fold(text)
    return bool(folded) and not any(c.isalnum() for c in folded)


def typo_budget(term: str) -> int:
    """How many typed letters may be wrong: none in short words, where one
    letter changes the meaning ("ya"/"yo"), one in most, two in long ones."""
    if len(term) < 4:
        return 0
    return 1 if len(term) < 9 else 2


def distance(a: str, b: str, limit: int) -> int:
    """Edit distance with swapped neighbours counted once (optimal string
    alignment); anything above ``limit`` is reported as ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


Names = str | Iterable[str]  # a code's names; a string lists them separated by commas


def word_list(names: Names) -> tuple[str, ...]:
    """ "Yes, ya, iya" -> ("Yes", "ya", "iya"); a tuple or list stays as it is."""
    return tuple(n.strip() for n in names.split(",")) if isinstance(names, str) else tuple(names)


class Vocabulary:
    """Codes and the words that name them; ``match`` reads typed text."""

    def __init__(self, words: Mapping[str, Names]) -> None:
        self.words: dict[str, tuple[str, ...]] = {c: word_list(n) for c, n in words.items()}
        self._terms: dict[str, str] = {}  # folded term -> code
        for code, names in self.words.items():
            for name in (code.replace("_", " "), *names):
                term = fold(name)
                owner = self._terms.setdefault(term, code)
                if owner != code:
                    raise ValueError(f"{term!r} names both {owner!r} and {code!r}")
        self.codes: tuple[str, ...] = tuple(words)

    def plus(self, more: Mapping[str, Names]) -> Vocabulary:
        """These words and ``more``: further names for a code, or new codes."""
        merged = {code: list(names) for code, names in self.words.items()}
        for code, names in more.items():
            merged.setdefault(code, []).extend(word_list(names))
        return Vocabulary(merged)

    def match(self, text: str, *, within: bool = True) -> str | None:
        """The code ``text`` names, or None when it names none or several.

        Tried in order: the whole text is a term; (``within``) a term appears in
        it as whole words, the longest such term deciding ("cerai mati" over
        "cerai"); the whole text is a term with a small typo.
        """
        typed = fold(text)
        if not typed or len(typed.split()) > MAX_WORDS:
            return None
        if typed in self._terms:
            return self._terms[typed]
        if within:
            found = self._within(typed)
            if found is not None:
                return found
        return self._near(typed)

    def _within(self, typed: str) -> str | None:
        padded = f" {typed} "
        best: dict[str, int] = {}
        for term, code in self._terms.items():
            if f" {term} " in padded:
                best[code] = max(best.get(code, 0), len(term.split()))
        return _unique_best(best, highest=True)

    def _near(self, typed: str) -> str | None:
        best: dict[str, int] = {}
        for term, code in self._terms.items():
            budget = typo_budget(term)
            if budget:
                d = distance(typed, term, budget)
                if d <= budget:
                    best[code] = min(best.get(code, d), d)
        return _unique_best(best, highest=False)


def _unique_best(scores: dict[str, int], *, highest: bool) -> str | None:
    if not scores:
        return None
    target = max(scores.values()) if highest else min(scores.values())
    winners = [code for code, score in scores.items() if score == target]
    return winners[0] if len(winners) == 1 else None


def _with_labels(labels: Mapping[str, str], synonyms: Mapping[str, Names]) -> Vocabulary:
    return Vocabulary(
        {code: (label, *word_list(synonyms.get(code, ()))) for code, label in labels.items()}
    )


# ---- yes and no ---------------------------------------------------------------------
# One list for every form: "belum" is no in the check-in as much as in the intake.

YES_NO = Vocabulary(
    {
        "yes": (
            "Yes, ya, iya, y, ok, oke, okay, sudah, benar, betul, bener, setuju, mau, boleh, "
            "nggih, inggih, enggeh, enggih, injih, yoi, yo, 👍, ✅"
        ),
        "no": (
            "No, Not yet, tidak, n, belum, bukan, salah, jangan, ora, mboten, dereng, tidak mau, "
            "tidak usah, tidak perlu, ora gelem, 👎, ❌"
        ),
    }
)


# ---- words that move through a form ----------------------------------------------------

CONTROLS = Vocabulary(
    {
        "back": "Back, ⬅️ Back, kembali, ⬅️ Kembali, mbalik, balik, sebelumnya",
        "skip": "Skip, lewati, lewat, lompati, kosongkan",
        "done": "Done, selesai, sudah selesai, sudah semua, cukup, rampung",
    }
)


# ---- the intake's own buttons -----------------------------------------------------------

CONSENT_WORDS = YES_NO.plus(
    {
        "yes": "I agree, Setuju, saya setuju",
        "no": "I do not agree, Tidak setuju",
        "more": "📄 Read more, Baca selengkapnya, baca, selengkapnya, baca dulu",
    }
)
NIK_OWNER_WORDS = YES_NO.plus(
    {
        "yes": ("Yes, it is mine", "Ya, NIK saya", "nik saya", "punya saya"),
        "no": "Type the NIK again, Ketik ulang NIK, ketik ulang, salah ketik",
    }
)
INCOME_WORDS = Vocabulary(
    {
        "none": "No income, Tidak ada penghasilan, tanpa penghasilan, belum ada penghasilan",
    }
)
PHONE_WORDS = Vocabulary(
    {
        "no_phone": (
            "No phone of my own, Tidak punya HP sendiri, tidak punya hp, tidak ada hp, hp pinjam"
        ),
        "telegram": "Use this Telegram account, Pakai akun Telegram ini, lewat telegram",
    }
)


# ---- the lists women choose from ---------------------------------------------------------

SKILL_WORDS = _with_labels(
    SKILLS,
    {
        "menjahit": "Menjahit, jahit, jahitan, penjahit, tukang jahit",
        "memasak": "Memasak, masak, masakan, masak memasak, kuliner, tata boga",
        "kue_kering": "Kue kering, kue, kue kue, bikin kue, membuat kue, baking",
        "membatik": "Membatik, batik, bikin batik",
    },
)

MARITAL_WORDS = _with_labels(
    MARITAL_LABELS,
    {
        "belum_kawin": "Belum kawin, belum menikah, belum nikah, lajang, single",
        "kawin_tercatat": (
            "Kawin tercatat, menikah tercatat, nikah resmi, menikah resmi, kawin resmi, nikah kua"
        ),
        "kawin_belum_tercatat": (
            "Kawin belum tercatat, kawin tidak tercatat, menikah belum tercatat, nikah siri, "
            "kawin siri, siri"
        ),
        "cerai_hidup": "Cerai hidup, cerai, bercerai, sudah cerai, janda cerai",
        "cerai_mati": (
            "Cerai mati, janda mati, meninggal, suami meninggal, suami sudah meninggal, "
            "suami meninggal dunia, suami wafat, ditinggal mati, almarhum"
        ),
        "ditinggal": (
            "Ditinggal suami tanpa kejelasan, ditinggal, ditinggal suami, suami pergi, "
            "suami kabur, tanpa kejelasan"
        ),
        "kawin": "Kawin, menikah, nikah, sudah menikah, sudah kawin, bersuami",
    },
)

EDUCATION_WORDS = _with_labels(
    EDUCATION,
    {
        "tidak_sekolah": (
            "Tidak/belum sekolah, tidak sekolah, belum sekolah, tidak pernah sekolah, "
            "tidak bersekolah"
        ),
        "belum_tamat_sd": (
            "Belum tamat SD, tidak tamat sd, tidak lulus sd, belum lulus sd, putus sd, "
            "sd tidak tamat"
        ),
        "sd": "SD, sekolah dasar, tamat sd, lulus sd, mi",
        "smp": "SMP, sltp, mts, tamat smp, lulus smp",
        "sma": "SMA/SMK, sma, smk, slta, ma, stm, smea, tamat sma, lulus sma",
        "d1_d2": "D1, D2, diploma 1, diploma 2",
        "d3": "D3, diploma 3",
        "s1": "S1, D4, sarjana",
        "s2": "S2, magister",
        "s3": "S3, doktor",
    },
)

OCCUPATION_WORDS = _with_labels(
    OCCUPATIONS,
    {
        "tidak_bekerja": "Tidak bekerja, tidak kerja, belum bekerja, menganggur",
        "mengurus_rumah_tangga": "Mengurus rumah tangga, ibu rumah tangga, irt",
        "petani": "Petani, tani, bertani",
        "buruh_tani": "Buruh tani",
        "buruh_harian_lepas": "Buruh harian lepas, buruh harian, buruh lepas, serabutan",
        "pedagang": "Pedagang, dagang, berdagang, jualan, penjual",
        "wiraswasta": "Wiraswasta, usaha sendiri, wirausaha",
        "tukang_jahit": "Tukang jahit, penjahit",
        "pembantu_rumah_tangga": "Pembantu rumah tangga, pembantu, art, prt",
        "lainnya": "Lainnya, lain, lain lain",
    },
)

OBSTACLE_WORDS = _with_labels(
    OBSTACLES,
    {
        "modal": "Modal, uang, dana, tidak ada modal, kurang modal",
        "pemasaran": "Pemasaran, pasar, jualan, pembeli, sepi pembeli",
        "waktu": "Waktu / mengurus anak, waktu, mengurus anak, anak, tidak ada waktu",
        "kesehatan": "Kesehatan, sakit, kesehatan saya",
        "alat": "Alat, peralatan, tidak ada alat, mesin",
        "lainnya": "Lainnya, lain, lain lain, yang lain",
    },
)

HELP_WORDS = _with_labels(
    HELP_KINDS,
    {
        "mesin_jahit": "Mesin jahit, mesin",
        "gerobak": "Gerobak, rombong",
        "etalase": "Etalase, lemari kaca",
        "modal_usaha": "Modal usaha, modal, uang, dana",
        "tidak_ada": "Tidak ada, tidak dapat, belum dapat, tidak ada bantuan",
    },
)


AID_WORDS = _with_labels(
    AID_KINDS,
    {
        "modal_usaha": "Modal usaha, modal, uang, dana, uang tunai",
        "mesin_jahit": "Mesin jahit, mesin, mesin obras",
        "gerobak": "Gerobak, rombong, gerobak dorong",
        "etalase": "Etalase, lemari kaca, rak kaca",
        "peralatan_masak": "Peralatan masak, alat masak, kompor, panci, oven, mixer",
        "lainnya": "Lainnya, lain, lain lain",
    },
)


@lru_cache(maxsize=64)
def place_words(names: tuple[tuple[str, str], ...]) -> Vocabulary:
    """Kecamatan or desa names as a vocabulary: ``(code, name)`` pairs."""
    return Vocabulary({code: (name,) for code, name in names})


# ---- the staff's lists ---------------------------------------------------------------------

AUDIENCE_WORDS = Vocabulary(
    {
        "all": "All eligible women, Semua yang memenuhi syarat, semua, semuanya",
        "kec": "By kecamatan, Per kecamatan, kecamatan",
        "int": "By class interest, Per minat kelas, minat, minat kelas",
        "enr": "Enrolled in a class, Peserta kelas, peserta",
        "wait": "Waitlisted for a class, Daftar tunggu kelas, daftar tunggu, menunggu",
    }
)

INVITE_ROLE_WORDS = Vocabulary(
    {
        "staff": "Officer, Petugas, staf, staff, pegawai",
        "coordinator": "Coordinator, Koordinator",
        "companion": "Companion, Pendamping, kader, TKSK, PSM",
    }
)


# ---- the staff's class forms ----------------------------------------------------------------

SESSION_WORDS = Vocabulary(
    {
        "add": "➕ Add session, Add session, tambah sesi, tambah, tambah lagi, lagi",
        "enough": "Done, selesai, sudah selesai, cukup, sudah cukup, sudah semua",
        "again": "Type again, ketik ulang, ulang, ulangi, hapus semua",
    }
)
FIELD_WORDS = Vocabulary(
    {
        "title": "Title, judul, judul kelas, nama kelas",
        "description": "Description, deskripsi, keterangan",
        "place": "Place, tempat, lokasi, alamat",
        "trainer": "Trainer, pelatih, pengajar",
        "capacity": "Seats, kursi, jumlah kursi, kapasitas",
    }
)
