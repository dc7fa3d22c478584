"""Assisted registration (issue 11): a companion registers, on her own phone,
a woman who has no Telegram, with the intake's questions and rules; consent
is the text read aloud, with its witness and time. The woman later links her
own account with the code: never a second record; a wrong or used code is
refused kindly, an account with its own registration goes to staff. The real
bot against the Bot API emulator."""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select

from tests.e2e.conftest import RunningBot
from tests.e2e.flows import SITI_NIK_TYPED
from tests.e2e.test_companions import ADMIN, BEJI, TLEKUNG, db_of, make_companion
from tests.factories import make_woman
from wrse_bot.db.models import (
    AuditEvent,
    CompanionArea,
    Consent,
    NikAttempt,
    Registrant,
    StaffFlag,
)
from wrse_bot.devtools.emulator import BotApiEmulator, FakeUser

WATI, SITI = 9951, 9952
CODE = re.compile(r"([A-Z2-9]{4}-[A-Z2-9]{4})")


async def register_her(wati: FakeUser) -> str:
    told = await wati.ask("/daftarkan")
    assert "bacakan layar berikut" in told.text
    consent = await wati.reply()
    assert "Sebelum mulai" in consent.text and "Ia setuju" in consent.button_labels
    assert "saksi" in (await wati.tap("Ia setuju")).text
    assert "Sekarang" in (await wati.ask("Bu Sumarni, ketua RT 02")).button_labels
    assert "nama lengkap" in (await wati.tap("Sekarang")).text
    await wati.ask("Siti Aminah")
    await wati.ask(SITI_NIK_TYPED)
    await wati.tap("Ya, benar")
    await wati.tap("Junrejo")
    await wati.tap("Beji")
    await wati.ask("RT 02 RW 05, Jl. Mawar 10")
    await wati.tap("Cerai mati")
    await wati.tap("Ya")
    await wati.tap("3")
    await wati.ask("500rb")
    await wati.tap("Tamat SD")
    await wati.tap("Buruh tani")
    await wati.press("▫️ Menjahit")
    await wati.reply()
    phone = await wati.tap("Selesai")
    assert "nomor HP-nya" in phone.text and phone.button_labels == [
        "Tidak punya HP sendiri",
        "⬅️ Kembali",
    ]
    review = await wati.tap("Tidak punya HP sendiri")
    assert "Bu Sumarni" in review.text and "Siti Aminah" in review.text
    done = await wati.tap("✅ Kirim")
    assert "Terdaftar: Siti Aminah" in done.text and "memenuhi syarat" in done.text
    code_line = await wati.reply()
    found = CODE.search(code_line.plain_text)
    assert found, code_line.plain_text
    return found.group(1)


async def test_a_companion_registers_her_and_she_links_her_own_account_later(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        await make_companion(app, WATI, BEJI)
        wati = emulator.user(WATI)
        code = await register_her(wati)
        async with db_of(app).sessions() as s:
            reg = await s.scalar(select(Registrant))
            assert (
                reg is not None and reg.user_id == -reg.id and reg.assisted_by == WATI
            )  # placeholder
            assert reg.consent_witness == "Bu Sumarni, ketua RT 02" and reg.consent_at
            assert reg.verdict == "eligible" and reg.contact_by == "no_phone"
            assert code.replace("-", "") not in (reg.link_code_hash or "")  # only a hash
        assert "Siti Aminah" in (await wati.ask("/dampingan")).plain_text  # her caseload

        siti = emulator.user(SITI)
        wrong = await siti.ask("/start AAAA-BBBB")
        assert "tidak berlaku" in wrong.text
        # As she copies it from the companion's note: small letters, a space for the dash.
        linked = await siti.ask(f"/start {code.replace('-', ' ').lower()}")
        assert "Selamat datang, Ibu Siti Aminah" in linked.text
        mine = await siti.ask("/data_saya")
        assert "Siti Aminah" in mine.plain_text
        again = await emulator.user(SITI + 1).ask(f"/start {code}")  # used: nobody else
        assert "tidak berlaku" in again.text
        async with db_of(app).sessions() as s:
            assert await s.scalar(select(func.count()).select_from(Registrant)) == 1
            reg = await s.scalar(select(Registrant))
            assert reg is not None and reg.user_id == SITI and reg.linked_at is not None
            consent = await s.scalar(select(Consent).where(Consent.user_id == SITI))
            assert consent is not None and consent.agreed
            actions = list(await s.scalars(select(AuditEvent.action)))
        assert "register:assisted" in actions and "link:attached" in actions
        assert actions.count("link:refused") == 2


async def test_an_account_with_its_own_registration_goes_to_staff(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        await make_companion(app, WATI, BEJI)
        code = await register_her(emulator.user(WATI))
        await make_woman(db_of(app), SITI, full_name="Siti A.")
        told = await emulator.user(SITI).ask(f"/start {code}")
        assert "Petugas akan menghubungi" in told.text
        async with db_of(app).sessions() as s:
            flag = await s.scalar(select(StaffFlag).where(StaffFlag.kind == "link_conflict"))
            assert flag is not None and flag.user_id == SITI
            assigned = await s.scalar(
                select(func.count()).select_from(Registrant).where(Registrant.user_id == SITI)
            )
        assert assigned == 1


async def test_she_did_not_agree_and_nothing_is_saved_and_others_may_not_register(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        await make_companion(app, WATI, BEJI)
        wati = emulator.user(WATI)
        await wati.ask("/daftarkan")
        await wati.reply()
        assert "Tidak ada yang disimpan" in (await wati.tap("Ia tidak setuju")).text
        assert "hanya untuk" in (await emulator.user(SITI).ask("/daftarkan")).text
        async with db_of(app).sessions() as s:
            assert await s.scalar(select(func.count()).select_from(Registrant)) == 0


async def up_to_the_nik(wati: FakeUser) -> None:
    await wati.ask("/daftarkan")
    await wati.reply()
    await wati.tap("Ia setuju")
    await wati.ask("Bu Sumarni, ketua RT 02")
    await wati.tap("Sekarang")
    await wati.ask("Siti Aminah")


async def test_she_registers_only_a_woman_of_her_own_desa(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        await make_companion(app, WATI, BEJI)  # Beji only, in Junrejo
        wati = emulator.user(WATI)
        await up_to_the_nik(wati)
        await wati.ask(SITI_NIK_TYPED)
        kecamatan = await wati.tap("Ya, benar")
        assert kecamatan.button_labels[:1] == ["Junrejo"] and "Batu" not in kecamatan.button_labels
        typed = await wati.ask("Batu")  # another kecamatan, typed
        assert (
            "hanya dapat mendaftarkan ibu yang tinggal di desa dampingan Anda: Beji" in typed.text
        )
        assert "/daftar" in typed.text and "kecamatan mana" in typed.text  # asked again
        desa = await wati.tap("Junrejo")
        assert desa.button_labels == ["Beji", "⬅️ Kembali"]
        typed = await wati.ask("Tlekung")  # a desa of Junrejo that is not hers
        assert "desa dampingan Anda: Beji" in typed.text and "Desa atau kelurahan" in typed.text
        beji = typed.inline_data("Beji")  # its code made Tlekung's: a forged button
        await wati.press_data(beji.replace("2002", "2004"), typed.message_id)
        forged = await wati.reply()  # a forged button for Tlekung is no choice either
        assert "Desa atau kelurahan" in forged.text and "alamat" not in forged.text
        assert "alamat" in (await wati.tap("Beji")).text

        # An admin moves her to Tlekung before she sends: "Kirim" is refused.
        async with db_of(app).transaction() as s:
            await s.execute(delete(CompanionArea).where(CompanionArea.user_id == WATI))
            s.add(CompanionArea(user_id=WATI, village_code=TLEKUNG, assigned_by=ADMIN))
        await wati.ask("RT 02 RW 05, Jl. Mawar 10")
        for label in ("Cerai mati", "Ya", "3"):
            await wati.tap(label)
        await wati.ask("500rb")
        await wati.tap("Tamat SD")
        await wati.tap("Buruh tani")
        await wati.press("▫️ Menjahit")
        await wati.reply()
        await wati.tap("Selesai")
        await wati.tap("Tidak punya HP sendiri")
        refused = await wati.tap("✅ Kirim")
        assert "desa dampingan Anda: Tlekung" in refused.text and "Siti Aminah" in refused.text
        async with db_of(app).sessions() as s:
            assert await s.scalar(select(func.count()).select_from(Registrant)) == 0


async def test_a_companion_without_desa_is_told_to_ask_the_admin(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        await make_companion(app, WATI)
        told = await emulator.user(WATI).ask("/daftarkan")
        assert "belum punya desa dampingan" in told.text and "/wilayah" in told.text


async def test_she_may_type_only_a_few_different_niks_a_day_like_the_woman_herself(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN}), nik_tries_per_day=2) as app:
        await make_companion(app, WATI, BEJI)
        await make_companion(app, WATI + 10, BEJI)
        wati = emulator.user(WATI)
        await up_to_the_nik(wati)
        assert "12 Maret 1980" in (await wati.ask("3579035203800001")).text
        await wati.tap("⬅️ Kembali")
        assert "12 Maret 1980" in (await wati.ask("3579035203800002")).text
        await wati.tap("⬅️ Kembali")
        refused = await wati.ask("3579035203800003")
        assert "beberapa NIK yang berbeda" in refused.text and "besok" in refused.text
        assert "NIK" in refused.text and "12 Maret 1980" not in refused.text  # asked again
        assert "12 Maret 1980" in (await wati.ask("3579035203800001")).text  # one she typed

        other = emulator.user(WATI + 10)  # counted per companion: another one may go on
        await up_to_the_nik(other)
        assert "12 Maret 1980" in (await other.ask("3579035203800003")).text
        async with db_of(app).sessions() as s:
            counted = list(await s.scalars(select(NikAttempt.user_id)))
        assert sorted(counted) == [WATI, WATI, WATI + 10]
