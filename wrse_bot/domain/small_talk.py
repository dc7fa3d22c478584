"""Messages that are not answers: greetings, and things the bot cannot read.

Many women open a chat the way they would greet someone at the office ("halo",
"assalamualaikum", "punten", "sugeng enjing"), often with an address ("bu",
"min") and stretched letters ("haloooo"). Such a message deserves a greeting and
the way forward, never "I did not understand". A voice note, sticker or photo
gets a kind sentence that says what the bot cannot do yet (DOMAIN.md: many users
read slowly and type little), then the same question or the menu.
"""

from __future__ import annotations

import re
import unicodedata

from wrse_bot.domain.text import N_
from wrse_bot.domain.vocabulary import word_list

# Whole greetings, as people type them (Indonesian, Javanese, Sundanese, Arabic,
# English; "p" is the chat "ping"). Spellings are compared with repeated letters folded
# ("hallo" = "halo", "assalamu'alaikum" = "asalamualaikum"), so each is listed once.
GREETINGS: tuple[str, ...] = word_list(
    "halo, helo, hello, hai, hay, hi, hei, hey, hola, p, ping, tes, test, permisi, misi, punten, "
    "nuwun sewu, nyuwun sewu, kulonuwun, kula nuwun, sampurasun, salam, salam kenal, "
    "assalamualaikum, assalamu alaikum, asalamu alaikum, assalamualaikum wrwb, asalamualaikum, "
    "assalamu'alaikum, asslm, aslm, ass, askum, samlekom, salamualaikum, mikum, selamat pagi, "
    "selamat siang, selamat sore, selamat malam, selamat datang, slmt pagi, slmt siang, slmt sore, "
    "slmt malam, met pagi, met siang, met sore, met malam, pagi, siang, sore, malam, "
    "sugeng enjing, sugeng siang, sugeng sonten, sugeng dalu, good morning, good afternoon, "
    "good evening, shalom, om swastiastu, salam sejahtera"
)
# Words that may come with a greeting: whom she addresses, and polite fillers.
ADDRESS_WORDS = frozenset(
    word_list(
        "bu, ibu, buk, pak, bapak, kak, kakak, mas, mbak, mba, dik, min, mimin, admin, minn, "
        "dinsos, dinas, sosial, bot, semua, semuanya, sedulur, nggih, ya, ka, sis, gan, juga, wr, "
        "wb, warahmatullahi, warahmatullah, wabarakatuh, wabarakatu, saya, mau, tanya, nanya"
    )
)
MAX_GREETING_WORDS = 8

_WORDS = re.compile(r"[a-z]+")


def _fold(text: str) -> list[str]:
    """Lower-case words, accents and apostrophes dropped, repeated letters folded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"['’`]", "", plain)
    return [re.sub(r"(.)\1+", r"\1", word) for word in _WORDS.findall(plain)]


_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    sorted({tuple(_fold(g)) for g in GREETINGS}, key=len, reverse=True)
)
_ADDRESS = frozenset(w for word in ADDRESS_WORDS for w in _fold(word))


def is_greeting(text: str) -> bool:
    """True for a message that only greets ("Halo bu", "Assalamu'alaikum wr. wb. 🙏",
    "selamat pagiii min"); False for anything that says more ("halo, saya mau daftar
    kelas menjahit" is a question, not a greeting)."""
    words = _fold(text)
    if not words or len(words) > MAX_GREETING_WORDS or any(c.isdigit() for c in text):
        return False
    greeted = False
    i = 0
    while i < len(words):
        phrase = next((p for p in _PHRASES if tuple(words[i : i + len(p)]) == p), None)
        if phrase is not None:
            greeted, i = True, i + len(phrase)
        elif words[i] in _ADDRESS:
            i += 1
        else:
            return False
    return greeted


# What the bot says about a message it cannot read, by Telegram message kind.
VOICE_KINDS = frozenset({"voice", "audio", "video_note"})
PICTURE_KINDS = frozenset({"sticker", "photo", "animation", "video"})


def unreadable_message(kind: str) -> str:
    """The first sentence for a message of ``kind`` the bot cannot read (an N_ msgid)."""
    if kind in VOICE_KINDS:
        return N_("Sorry, we cannot listen to voice messages yet.")
    if kind in PICTURE_KINDS:
        return N_("Sorry, we cannot see pictures, stickers or videos yet.")
    return N_("Sorry, I can only read buttons and text.")
