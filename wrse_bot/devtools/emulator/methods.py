"""The Bot API methods the emulator answers, as Telegram does (errors included)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from wrse_bot.devtools.emulator.state import (
    MAX_CAPTION,
    MAX_TEXT,
    ApiError,
    BotEventKind,
    BotMessage,
    EmulatorState,
    UploadedFile,
    _bad,
    _Chat,
    _document,
    _Params,
    _photo_sizes,
    _StoredMessage,
)
from wrse_bot.devtools.tg_html import EntityParseError, ParsedText, parse_html, utf16_len

MAX_CALLBACK_DATA = 64
_METHOD_NAMES = (
    *("getMe", "getUpdates", "deleteWebhook", "getWebhookInfo", "close", "logOut"),
    *("setMyCommands", "getMyCommands", "deleteMyCommands", "setChatMenuButton"),
    *("setMyDescription", "getMyDescription", "setMyShortDescription", "getMyShortDescription"),
    *("sendMessage", "sendPhoto", "sendDocument", "sendChatAction", "getFile"),
    *("editMessageText", "editMessageReplyMarkup", "editMessageCaption", "deleteMessage"),
    "answerCallbackQuery",
)


class BotApiMethods(EmulatorState):
    """``_m_<method>`` answers one Bot API method; the server routes requests to them."""

    def _parse_text(self, text: str, parse_mode: str | None, *, caption: bool) -> ParsedText:
        if parse_mode and parse_mode.lower() == "html":
            try:
                parsed = parse_html(text)
            except EntityParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        else:
            # MarkdownV2/Markdown are not validated; the text is taken as-is.
            parsed = ParsedText(text, ())
        limit = MAX_CAPTION if caption else MAX_TEXT
        if not caption and not parsed.text.strip():
            raise _bad("message text is empty")
        if utf16_len(parsed.text) > limit:
            raise _bad("message caption is too long" if caption else "message is too long")
        return parsed

    def _parse_markup(self, p: _Params, *, inline_only: bool = False) -> dict[str, Any] | None:
        markup = p.json("reply_markup", "can't parse reply keyboard markup JSON object")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    'can\'t parse inline keyboard button: field "inline_keyboard" '
                    "of the InlineKeyboardMarkup must be an Array of Arrays"
                )
            for row in rows:
                for button in row:
                    _check_inline_button(button)
        elif inline_only:
            raise _bad("inline keyboard expected")
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("can't parse reply keyboard markup JSON object")
        elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
            raise _bad("can't parse reply keyboard markup JSON object")
        return markup

    @staticmethod
    def _content(parsed: ParsedText, key: str) -> dict[str, Any]:
        content: dict[str, Any] = {key: parsed.text}
        if parsed.entities:
            content["entities" if key == "text" else "caption_entities"] = list(parsed.entities)
        return content

    # -- Bot API methods -----------------------------------------------------------
    async def _m_getme(self, p: _Params) -> Any:
        return self.bot_user

    async def _m_close(self, p: _Params) -> Any:
        return True

    async def _m_logout(self, p: _Params) -> Any:
        return True

    async def _m_setchatmenubutton(self, p: _Params) -> Any:
        return True

    async def _m_deletewebhook(self, p: _Params) -> Any:
        if p.bool("drop_pending_updates"):
            self._queue.clear()
            self._redelivered.clear()
        return True

    async def _m_getwebhookinfo(self, p: _Params) -> Any:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending_update_count,
        }

    async def _m_getupdates(self, p: _Params) -> Any:
        offset = p.int("offset")
        limit = min(max(p.int("limit") or 100, 1), 100)
        timeout = max(p.int("timeout") or 0, 0)
        allowed = p.json("allowed_updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) or None
        self._confirm(offset)
        # Like Telegram, a new getUpdates terminates a waiting older one with 409.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_changed.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._closing:
                return []
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._collect(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0:
                break
            self._updates_changed.clear()
            try:
                async with asyncio.timeout(remaining):
                    await self._updates_changed.wait()
            except TimeoutError:
                pass
        for pending in batch:
            pending.delivered = True
        self.stats.updates_delivered += len(batch)
        return [pending.update for pending in batch]

    async def _m_setmycommands(self, p: _Params) -> Any:
        commands = p.json("commands")
        if not isinstance(commands, list):
            raise _bad('parameter "commands" must be an Array')
        for command in commands:
            name = str(command.get("command", "")).removeprefix("/")
            if not (1 <= len(name) <= 32) or not all(
                c.islower() or c.isdigit() or c == "_" for c in name
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not (1 <= len(str(command.get("description", ""))) <= 256):
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._command_key(p)] = [
            {"command": c["command"].removeprefix("/"), "description": c["description"]}
            for c in commands
        ]
        return True

    async def _m_getmycommands(self, p: _Params) -> Any:
        return self.commands.get(self._command_key(p), [])

    async def _m_deletemycommands(self, p: _Params) -> Any:
        self.commands.pop(self._command_key(p), None)
        return True

    @staticmethod
    def _command_key(p: _Params) -> tuple[str, str]:
        scope = p.json("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), p.str("language_code") or ""

    async def _m_setmydescription(self, p: _Params) -> Any:
        self.descriptions["description"][p.str("language_code") or ""] = p.str("description") or ""
        return True

    async def _m_getmydescription(self, p: _Params) -> Any:
        lang = p.str("language_code") or ""
        return {"description": self.descriptions["description"].get(lang, "")}

    async def _m_setmyshortdescription(self, p: _Params) -> Any:
        table = self.descriptions["short_description"]
        table[p.str("language_code") or ""] = p.str("short_description") or ""
        return True

    async def _m_getmyshortdescription(self, p: _Params) -> Any:
        lang = p.str("language_code") or ""
        return {"short_description": self.descriptions["short_description"].get(lang, "")}

    async def _m_sendchataction(self, p: _Params) -> Any:
        self._target_chat(p)
        if not p.str("action"):
            raise _bad("action is empty")
        return True

    async def _m_sendmessage(self, p: _Params) -> Any:
        chat = self._target_chat(p)
        text = p.str("text") or ""
        parse_mode = p.str("parse_mode") or None
        parsed = self._parse_text(text, parse_mode, caption=False)
        markup = self._parse_markup(p)
        self._check_rate(chat)
        content = self._content(parsed, "text")
        if p.bool("protect_content"):  # as Telegram marks it on the Message
            content["has_protected_content"] = True
        stored = self._store_bot_message(chat, content, text, parse_mode, markup)
        self.stats.sent += 1
        self._record(
            chat,
            BotMessage(
                "message",
                chat.id,
                stored.message_id,
                text,
                parsed.text,
                markup,
                parse_mode,
                stored.date,
                protect_content=stored.protected,
            ),
        )
        return self._message_dict(chat, stored)

    async def _send_file(self, p: _Params, field_name: str, kind: BotEventKind) -> Any:
        chat = self._target_chat(p)
        upload = self._resolve_file(p, field_name)
        caption = p.str("caption") or ""
        parse_mode = p.str("parse_mode") or None
        parsed = self._parse_text(caption, parse_mode, caption=True)
        markup = self._parse_markup(p)
        self._check_rate(chat)
        if kind == "photo":
            media: dict[str, Any] = {"photo": _photo_sizes(upload)}
        else:
            media = {"document": _document(upload)}
        if caption:
            media.update(self._content(parsed, "caption"))
        if p.bool("protect_content"):  # as Telegram marks it on the Message
            media["has_protected_content"] = True
        stored = self._store_bot_message(chat, media, caption or None, parse_mode, markup)
        upload.chat_id = chat.id
        upload.method = "sendPhoto" if kind == "photo" else "sendDocument"
        self.files.append(upload)
        self.stats.sent += 1
        self._record(
            chat,
            BotMessage(
                kind,
                chat.id,
                stored.message_id,
                caption or None,
                parsed.text or None,
                markup,
                parse_mode,
                stored.date,
                upload.data,
                upload.filename,
                upload.mime_type,
                upload.file_id,
                protect_content=p.bool("protect_content"),
            ),
        )
        return self._message_dict(chat, stored)

    def _resolve_file(self, p: _Params, field_name: str) -> UploadedFile:
        if field_name in p.files:
            return p.files[field_name]
        ref = p.str(field_name)
        if not ref:
            raise _bad(f"there is no {field_name} in the request")
        if ref.startswith("attach://") and ref.removeprefix("attach://") in p.files:
            return p.files[ref.removeprefix("attach://")]
        if ref in self._file_store:
            return self._file_store[ref]
        if ref.startswith(("http://", "https://")):
            return self._new_file(b"", ref.rsplit("/", 1)[-1] or None, None)
        raise _bad("wrong file identifier/HTTP URL specified")

    async def _m_sendphoto(self, p: _Params) -> Any:
        return await self._send_file(p, "photo", "photo")

    async def _m_senddocument(self, p: _Params) -> Any:
        return await self._send_file(p, "document", "document")

    async def _m_getfile(self, p: _Params) -> Any:
        stored = self._file_store.get(p.str("file_id") or "")
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _message_to_edit(self, p: _Params) -> tuple[_Chat, _StoredMessage]:
        if p.has("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # inline mode is not emulated
        chat = self._target_chat(p)
        message_id = p.require_int("message_id")
        stored = chat.messages.get(message_id)
        if stored is None:
            raise _bad("message to edit not found")
        if not stored.from_bot:
            raise _bad("message can't be edited")
        return chat, stored

    def _apply_edit(
        self,
        p: _Params,
        chat: _Chat,
        stored: _StoredMessage,
        content: dict[str, Any],
        raw_text: str | None,
        parse_mode: str | None,
        markup: dict[str, Any] | None,
    ) -> Any:
        if content:  # text/caption edit: the new text replaces the old one and its entities
            text_keys = ("text", "entities", "caption", "caption_entities")
            # has_protected_content stays: an edit cannot lift the protection
            new_content = {k: v for k, v in stored.content.items() if k not in text_keys}
            new_content.update({k: v for k, v in content.items() if v is not None})
        else:  # reply markup edit
            new_content = stored.content
        if new_content == stored.content and markup == stored.reply_markup:
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._check_rate(chat)
        stored.content = new_content
        stored.raw_text = raw_text
        stored.parse_mode = parse_mode
        stored.reply_markup = markup
        stored.edit_date = int(time.time())
        self.stats.sent += 1
        text_key = "text" if "text" in new_content else "caption"
        self._record(
            chat,
            BotMessage(
                "edit",
                chat.id,
                stored.message_id,
                raw_text,
                new_content.get(text_key),
                markup,
                parse_mode,
                stored.edit_date,
                protect_content=stored.protected,
            ),
        )
        return self._message_dict(chat, stored)

    async def _m_editmessagetext(self, p: _Params) -> Any:
        chat, stored = self._message_to_edit(p)
        if "text" not in stored.content:
            raise _bad("there is no text in the message to edit")
        text = p.str("text") or ""
        parse_mode = p.str("parse_mode") or None
        parsed = self._parse_text(text, parse_mode, caption=False)
        markup = self._parse_markup(p, inline_only=True)
        return self._apply_edit(
            p, chat, stored, self._content(parsed, "text"), text, parse_mode, markup
        )

    async def _m_editmessagecaption(self, p: _Params) -> Any:
        chat, stored = self._message_to_edit(p)
        if "text" in stored.content:
            raise _bad("there is no caption in the message to edit")
        caption = p.str("caption") or ""
        parse_mode = p.str("parse_mode") or None
        parsed = self._parse_text(caption, parse_mode, caption=True)
        markup = self._parse_markup(p, inline_only=True)
        content = self._content(parsed, "caption") if caption else {"caption": None}
        return self._apply_edit(p, chat, stored, content, caption or None, parse_mode, markup)

    async def _m_editmessagereplymarkup(self, p: _Params) -> Any:
        chat, stored = self._message_to_edit(p)
        markup = self._parse_markup(p, inline_only=True)
        return self._apply_edit(p, chat, stored, {}, stored.raw_text, stored.parse_mode, markup)

    async def _m_deletemessage(self, p: _Params) -> Any:
        chat = self._target_chat(p, sending=False)
        message_id = p.require_int("message_id")
        stored = chat.messages.pop(message_id, None)
        if stored is None:
            raise _bad("message to delete not found")
        self._record(chat, BotMessage("delete", chat.id, message_id, date=int(time.time())))
        return True

    async def _m_answercallbackquery(self, p: _Params) -> Any:
        query = self._queries.pop(p.str("callback_query_id") or "", None)
        if query is None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        chat_id, message_id = query
        chat = self._chats[chat_id]
        text = p.str("text") or None
        if text is not None and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self._record(
            chat,
            BotMessage(
                "callback_answer",
                chat_id,
                message_id,
                text,
                text,
                date=int(time.time()),
                show_alert=p.bool("show_alert"),
                url=p.str("url") or None,
                callback_query_id=p.str("callback_query_id"),
            ),
        )
        return True


_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise _bad("can't parse inline keyboard button: Text must be non-empty")
    if not any(k in button for k in _INLINE_ACTIONS):
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise _bad("BUTTON_DATA_INVALID")
