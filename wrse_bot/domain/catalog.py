"""The lists women choose from, as stable codes with their display labels in the
official wording (Dukcapil education levels, SIAK occupation codes)."""

from __future__ import annotations

from wrse_bot.domain.eligibility import MaritalStatus
from wrse_bot.domain.text import N_

# Offered as buttons; the older card value "Kawin" is understood when typed but
# not offered, so nobody has to guess between two near-identical buttons.
MARITAL_CHOICES: dict[MaritalStatus, str] = {
    MaritalStatus.BELUM_KAWIN: N_("Never married"),
    MaritalStatus.KAWIN_TERCATAT: N_("Married (registered)"),
    MaritalStatus.KAWIN_BELUM_TERCATAT: N_("Married (not registered)"),
    MaritalStatus.CERAI_HIDUP: N_("Divorced"),
    MaritalStatus.CERAI_MATI: N_("Widowed"),
    MaritalStatus.DITINGGAL: N_("Left by husband without clarity"),
}
MARITAL_LABELS: dict[str, str] = {
    **{status.value: label for status, label in MARITAL_CHOICES.items()},
    MaritalStatus.KAWIN.value: N_("Married"),
}

EDUCATION: dict[str, str] = {
    "tidak_sekolah": N_("No schooling"),
    "belum_tamat_sd": N_("Did not finish primary school"),
    "sd": N_("Primary school (SD)"),
    "smp": N_("Junior high (SMP)"),
    "sma": N_("Senior high (SMA/SMK)"),
    "d1_d2": N_("Diploma I/II"),
    "d3": N_("Diploma III"),
    "s1": N_("Diploma IV / Bachelor (S1)"),
    "s2": N_("Master (S2)"),
    "s3": N_("Doctorate (S3)"),
}

OCCUPATION_OTHER = "lainnya"
OCCUPATIONS: dict[str, str] = {
    "tidak_bekerja": N_("Not working"),
    "mengurus_rumah_tangga": N_("Homemaker"),
    "petani": N_("Farmer"),
    "buruh_tani": N_("Farm labourer"),
    "buruh_harian_lepas": N_("Day labourer"),
    "pedagang": N_("Trader"),
    "wiraswasta": N_("Self-employed"),
    "tukang_jahit": N_("Tailor"),
    "pembantu_rumah_tangga": N_("Domestic worker"),
    OCCUPATION_OTHER: N_("Other"),
}

# The four skills the office trains (DOMAIN.md "Programmes").
SKILLS: dict[str, str] = {
    "menjahit": N_("Sewing"),
    "memasak": N_("Cooking"),
    "kue_kering": N_("Cookie baking"),
    "membatik": N_("Batik"),
}
