"""Telegram handlers: commands, free text, inline queries and buttons, answered from the live engine.

Each handler reads ``engine.live`` once and uses that snapshot and index throughout, so an
answer never mixes briefs from before and after a reload. Dynamic text reaches Telegram
only through ``render`` (escaped HTML) and is split to Telegram's 4096-character limit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import re
from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext, suppress
from pathlib import Path
from types import TracebackType
from typing import Any

from telegram import (
    Bot,
    Chat,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.helpers import create_deep_linked_url

from bot import keyboards, render, texts
from bot.arabic import normalize
from bot.briefs import BriefsError
from bot.engine import Engine, Live
from bot.render import HTML
from bot.schema import Brief, Fact
from bot.search import Result
from bot.stats import Stats
from bot.yamlfile import YamlError

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

WHO_KINDS = ("person", "organization", "place")
TOPIC_ORDER = ("topic", "event", "organization", "person", "place")
TOPICS_PER_PAGE = 8
TIMELINE_PAGE_CHARS = 3000  # a page of the chronology: about a phone screen or two, well under 4096
SEARCH_RESULTS = 8
SUGGESTIONS = 3
RELATED = 8
INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 10  # PTB's default is 300 s: stale results for five minutes after a reload
INLINE_DESCRIPTION = 100
# Seconds an answer in a private chat may take before the chat shows «typing…». Answers take
# milliseconds, so normally none is sent: one per question would double the requests counted
# against Telegram's 30 a second. It shows when Telegram is slow or failing, or the bot is busy.
TYPING_DELAY = 0.5
DEEP_LINK = "brief_"
# Problems listed in a /reload reply; a file with thousands would be hundreds of messages.
# `python -m bot check` lists them all.
MAX_PROBLEMS_SHOWN = 40
_SURROGATE = re.compile("[\ud800-\udfff]")


class Handlers:
    """The bot's behaviour; one instance per ``Application``, holding the engine, admins and counters."""

    def __init__(
        self,
        engine: Engine,
        admin_ids: frozenset[int],
        stats: Stats | None = None,
        *,
        typing_delay: float = TYPING_DELAY,
    ) -> None:
        self.engine = engine
        self.admin_ids = admin_ids
        self.stats = stats if stats is not None else Stats()
        self.typing_delay = typing_delay
        self._related_of: tuple[Live | None, dict[str, tuple[Brief, ...]]] = (None, {})
        self._reload_lock = asyncio.Lock()

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        commands = {
            "start": self.start,
            "help": self.help,
            "topics": self.topics,
            "brief": self.brief,
            "search": self.search,
            "timeline": self.timeline,
            "who": self.who,
            "sources": self.sources,
            "reload": self.reload,
            "stats": self.show_stats,
            "why": self.why,
        }
        for name, callback in commands.items():
            app.add_handler(CommandHandler(name, callback))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, self.text))
        # A photo or voice note in a private chat: say what the bot understands rather than stay silent.
        private_other = (
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL
        )
        app.add_handler(MessageHandler(private_other, self.not_text))
        app.add_handler(InlineQueryHandler(self.inline))
        app.add_handler(CallbackQueryHandler(self.button))
        app.add_error_handler(self.error)

    # -- replying -------------------------------------------------------------------------------
    @staticmethod
    async def _reply(message: Message, html: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Send HTML in as many messages as it needs; buttons go under the last one.

        In groups the first part quotes the message it answers (PTB's default), so a reply is
        clearly tied to its question; in private chats nothing is quoted.
        """
        parts = render.split(html)
        for n, part in enumerate(parts):
            last = n == len(parts) - 1
            await message.reply_text(part, reply_markup=markup if last else None, do_quote=None if n == 0 else False)

    def _typing(self, message: Message) -> AbstractAsyncContextManager[None]:
        """«typing…» while a slow answer is prepared, in private chats only: in groups every request
        counts against Telegram's 20 per minute."""
        if message.chat.type != ChatType.PRIVATE:
            return nullcontext()
        return Typing(message.chat, self.typing_delay)

    def _brief_markup(self, live: Live, brief: Brief, shown: Sequence[int]) -> InlineKeyboardMarkup:
        return keyboards.brief_buttons(
            brief,
            shown=shown,
            more=len(render.remaining(brief, shown)) > 0,
            related=bool(self._related(live, brief)),
        )

    async def _open(self, message: Message, live: Live, brief: Brief, facts: Sequence[Fact] | None = None) -> None:
        """A briefing with its buttons: «الدليل», «المزيد» when facts remain, «ذات صلة» when there are any.

        ``facts`` are a search hit's facts, best first; a brief opened by name or button shows the
        editors' order.
        """
        sources = live.snapshot.sources
        ordered = brief.facts if facts is None else facts
        shown, text = render.fitted(brief, ordered, sources, HTML)
        await self._reply(message, text, self._brief_markup(live, brief, render.fact_indices(brief, shown)))

    async def _answer(self, message: Message, result: Result, live: Live) -> None:
        """The reply to a question: a briefing, a pick-list, or «لم أجد» with suggestion buttons."""
        if result.decision == "found" and result.best:
            await self._open(message, live, result.best.brief, result.best.facts)
            return
        markup = keyboards.open_buttons([h.brief for h in result.hits[:SUGGESTIONS]]) if result.hits else None
        await self._reply(message, render.answer(result, live.snapshot.sources, HTML), markup)

    async def _ask(self, message: Message, question: str) -> None:
        async with self._typing(message):
            live = self.engine.live
            result = live.index.search(question)
            self.stats.question(question, result.decision)
            await self._answer(message, result, live)

    def _related(self, live: Live, brief: Brief) -> tuple[Brief, ...]:
        """The brief's own ``related`` list, then briefs that point back at it.

        Finding those walks every brief, and every briefing asks (for its «ذات صلة» button), so
        the answer is kept until the briefs are reloaded.
        """
        if self._related_of[0] is not live:
            self._related_of = (live, {})
        known = self._related_of[1]
        found = known.get(brief.id)
        if found is None:
            by_id = live.snapshot.by_id
            out = [by_id[r] for r in brief.related if r in by_id and r != brief.id]
            out += [b for b in live.snapshot.briefs if brief.id in b.related and b not in out and b.id != brief.id]
            found = known[brief.id] = tuple(out[:RELATED])
        return found

    async def _argument(self, update: Update, context: Context, usage: str) -> tuple[Message, str] | None:
        """The message and the command's argument; without an argument, the usage line is the reply."""
        message = update.effective_message
        if message is None:
            return None
        argument = arguments(context)
        if not argument:
            await self._reply(message, usage)
            return None
        return message, argument

    async def _open_named(self, message: Message, live: Live, name: str, kinds: Collection[str] | None = None) -> bool:
        """Open the brief with exactly this name or alias (of one of ``kinds``), if there is one."""
        named = live.lookup(name)
        if named is None or (kinds is not None and named.kind not in kinds):
            return False
        self.stats.question(name, "found")
        await self._open(message, live, named)
        return True

    # -- commands -------------------------------------------------------------------------------
    async def start(self, update: Update, context: Context) -> None:
        """Welcome; ``/start brief_<id>`` (a deep link from inline mode) opens that brief."""
        message = update.effective_message
        if message is None:
            return
        payload = user_text(context.args[0]) if context.args else ""
        prefix = ""
        if payload.startswith(DEEP_LINK):
            live = self.engine.live
            brief = keyboards.resolve(payload.removeprefix(DEEP_LINK), live.snapshot)
            if brief is not None:
                await self._open(message, live, brief)
                return
            prefix = texts.NO_BRIEF_LINK + "\n\n"
        await self._reply(message, prefix + texts.WELCOME)

    async def help(self, update: Update, context: Context) -> None:
        if update.effective_message:
            text = texts.HELP.format(username=context.bot.username)
            user = update.effective_user
            if user is not None and user.id in self.admin_ids:
                text += texts.HELP_ADMIN
            await self._reply(update.effective_message, text)

    async def topics(self, update: Update, context: Context) -> None:
        if update.effective_message:
            text, markup = self._topics_page(self.engine.live, 0)
            await self._reply(update.effective_message, text, markup)

    def _topics_page(self, live: Live, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
        briefs = _main_topics(live)
        if not briefs:
            return texts.NO_TOPICS, None
        pages = math.ceil(len(briefs) / TOPICS_PER_PAGE)
        page = min(max(page, 0), pages - 1)
        chunk = briefs[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
        text = texts.TOPICS_HEADER.format(count=len(briefs), page=page + 1, pages=pages)
        return text, keyboards.topics_page(chunk, page, pages)

    async def brief(self, update: Update, context: Context) -> None:
        """``/brief <topic>``: a brief by exact name or alias, else the best match of a search."""
        asked = await self._argument(update, context, texts.USAGE_BRIEF)
        if asked is None:
            return
        message, query = asked
        async with self._typing(message):
            live = self.engine.live
            if await self._open_named(message, live, query):
                return
            result = live.index.search(query)
            self.stats.question(query, result.decision)
            await self._answer(message, result, live)

    async def search(self, update: Update, context: Context) -> None:
        """``/search <words>``: the ranked briefs, one button each."""
        asked = await self._argument(update, context, texts.USAGE_SEARCH)
        if asked is None:
            return
        message, query = asked
        async with self._typing(message):
            live = self.engine.live
            result = live.index.search(query, limit=SEARCH_RESULTS)
            self.stats.question(query, result.decision if result.hits else "not_found")
            if not result.hits:
                await self._reply(message, render.answer(result, live.snapshot.sources, HTML))
                return
            header = texts.SEARCH_HEADER.format(query=query)
            markup = keyboards.open_buttons([h.brief for h in result.hits])
            await self._reply(message, render.ranked(header, result.hits, HTML), markup)

    async def timeline(self, update: Update, context: Context) -> None:
        """``/timeline [year]``: the dated facts, oldest first, one page at a time in a single message."""
        message = update.effective_message
        if message is None:
            return
        year = normalize(user_text(context.args[0])) if context.args else None
        if year is not None and not re.fullmatch(r"\d{4}", year):
            await self._reply(message, texts.USAGE_TIMELINE)
            return
        text, markup = self._timeline_page(self.engine.live, year, 0)
        await self._reply(message, text, markup)

    def _timeline_page(self, live: Live, year: str | None, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
        items = live.snapshot.dated_facts()
        if not items:
            return texts.TIMELINE_EMPTY, None
        chosen = [(b, f) for b, f in items if f.date and f.date.startswith(year)] if year else items
        if not chosen:
            years = "، ".join(sorted({(f.date or "")[:4] for _, f in items}))
            return texts.TIMELINE_NO_YEAR.format(year=year, years=years), None
        pages = render.timeline_pages(chosen, year, live.snapshot.sources, HTML, TIMELINE_PAGE_CHARS)
        page = min(max(page, 0), len(pages) - 1)
        return pages[page], keyboards.timeline_page(year, page, len(pages))

    async def who(self, update: Update, context: Context) -> None:
        """``/who <name>``: person, organisation and place briefs only."""
        asked = await self._argument(update, context, texts.USAGE_WHO)
        if asked is None:
            return
        message, name = asked
        async with self._typing(message):
            live = self.engine.live
            if await self._open_named(message, live, name, WHO_KINDS):
                return
            result = live.search_kinds(name, WHO_KINDS)
            self.stats.question(name, result.decision)
            if result.decision != "not_found":
                await self._answer(message, result, live)
                return
            text = texts.WHO_NOT_FOUND.format(name=HTML.text(name))
            if result.hits:
                text += "\n\n" + render.pick_list(render.SUGGESTIONS, result.hits[:SUGGESTIONS], HTML)
            markup = keyboards.open_buttons([h.brief for h in result.hits[:SUGGESTIONS]]) if result.hits else None
            await self._reply(message, text, markup)

    async def sources(self, update: Update, context: Context) -> None:
        if update.effective_message:
            snap = self.engine.live.snapshot
            text = render.sources_list(texts.SOURCES_HEADER, snap.sources, snap.facts_per_source(), HTML)
            await self._reply(update.effective_message, text)

    # -- admin ----------------------------------------------------------------------------------
    async def _is_admin(self, update: Update, command: str) -> bool:
        """Admins are Telegram user ids (never usernames or chats); others get a polite refusal, logged."""
        user = update.effective_user
        if user is not None and user.id in self.admin_ids:
            return True
        log.warning("refused /%s for user id %s", command, user.id if user else "unknown")
        if update.effective_message:
            await self._reply(update.effective_message, texts.NOT_ADMIN)
        return False

    async def reload_briefs(self) -> str:
        """Re-read the briefs off the event loop and swap them in; the reply text either way (also for SIGHUP)."""
        async with self._reload_lock:
            try:
                snap = await asyncio.to_thread(self.engine.reload)
            except BriefsError as exc:
                log.warning("reload refused, the previous briefs keep serving:\n%s", exc)
                problems = [str(p) for p in exc.problems]
            except (YamlError, OSError) as exc:
                log.warning("reload refused, the previous briefs keep serving: %s", exc)
                problems = [str(exc)]
            else:
                log.info("reloaded: %d briefs, %d facts (version %s)", len(snap.briefs), snap.fact_count, snap.version)
                return texts.RELOAD_OK.format(briefs=len(snap.briefs), facts=snap.fact_count, version=snap.version)
        head = texts.RELOAD_FAILED.format(count=len(problems), version=self.engine.snapshot.version)
        lines = [f"• {HTML.code(self._without_folders(p))}" for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            lines.append(texts.RELOAD_MORE.format(count=len(problems) - MAX_PROBLEMS_SHOWN))
        return head + "\n".join(lines)

    def _without_folders(self, problem: str) -> str:
        """A problem as admins see it in Telegram: ``file.yaml:3: …``, without the server's folders.

        The reply may be read in a group, and ``BRIEFS_DIR``/``SEEDS_DIR`` are configuration.
        """
        forms: set[tuple[str, str]] = set()
        for folder in (self.engine.briefs_dir, self.engine.seeds_dir):
            for shown in (folder, folder.resolve(), _relative(folder.resolve())):
                forms.add((str(shown), folder.name))
        for path, name in sorted(forms, key=lambda f: -len(f[0])):
            if path not in (".", ""):
                problem = problem.replace(path + os.sep, "").replace(path, name)
        return problem

    async def reload(self, update: Update, context: Context) -> None:
        if update.effective_message and await self._is_admin(update, "reload"):
            await self._reply(update.effective_message, await self.reload_briefs())

    async def show_stats(self, update: Update, context: Context) -> None:
        if update.effective_message and await self._is_admin(update, "stats"):
            snap = self.engine.live.snapshot
            size = (len(snap.briefs), snap.fact_count, snap.version)
            text = render.stats(self.stats, size, HTML, self.stats.top_missing())
            await self._reply(update.effective_message, text)

    async def why(self, update: Update, context: Context) -> None:
        """``/why <question>`` for admins: the normalised query, its terms, the top five, and the deciding rule."""
        message = update.effective_message
        if message is None or not await self._is_admin(update, "why"):
            return
        question = arguments(context)
        if not question:
            await self._reply(message, texts.USAGE_WHY)
            return
        await self._reply(message, render.why(self.engine.live.index.search(question), HTML))

    # -- free text ------------------------------------------------------------------------------
    async def text(self, update: Update, context: Context) -> None:
        """Private chats: every message is a question. Groups: only mentions of the bot and replies to it."""
        message = update.message
        if message is None or not message.text:
            return
        if message.chat.type == ChatType.PRIVATE:
            await self._ask(message, user_text(message.text))
            return
        question = addressed(message, context.bot)
        if question is None:
            return
        if not question.strip():
            await self._reply(message, texts.MENTION_ONLY.format(username=context.bot.username))
            return
        await self._ask(message, question)

    async def not_text(self, update: Update, context: Context) -> None:
        if update.message:
            await self._reply(update.message, texts.TEXT_ONLY)

    # -- inline mode ----------------------------------------------------------------------------
    async def inline(self, update: Update, context: Context) -> None:
        """``@bot question`` in any chat: up to ten briefings to post; the main topics for an empty query."""
        query = update.inline_query
        if query is None:
            return
        self.stats.inline_queries += 1
        live = self.engine.live
        text = user_text(query.query).strip()
        if text:
            found = [(h.brief, h.facts) for h in live.index.search(text, limit=INLINE_RESULTS).hits]
        else:
            found = [(b, b.facts) for b in _main_topics(live)]
        results = [self._article(live, b, facts, context.bot.username) for b, facts in found[:INLINE_RESULTS]]
        button = None if results else InlineQueryResultsButton(texts.INLINE_NOTHING, start_parameter="inline")
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=False, button=button)

    @staticmethod
    def _article(live: Live, brief: Brief, facts: Sequence[Fact], username: str) -> InlineQueryResultArticle:
        """One inline result; its id carries the snapshot version, so a reload never reuses a stale one."""
        sources = live.snapshot.sources
        line = " ".join((facts[0].text if facts else brief.summary).split())
        if len(line) > INLINE_DESCRIPTION:
            line = line[: INLINE_DESCRIPTION - 1].rstrip() + "…"
        ref = keyboards.ref(brief.id)
        return InlineQueryResultArticle(
            id=f"{live.snapshot.version}.{ref}",
            title=brief.title,
            description=line,
            input_message_content=InputTextMessageContent(
                render.brief_briefing(brief, facts, sources, HTML),
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
            reply_markup=keyboards.url_button(
                texts.BUTTON_OPEN_PRIVATE, create_deep_linked_url(username, DEEP_LINK + ref)
            ),
        )

    # -- buttons --------------------------------------------------------------------------------
    async def button(self, update: Update, context: Context) -> None:
        """Every button press is answered exactly once; stale or forged data gets a polite note, not an error."""
        query = update.callback_query
        if query is None:
            return
        self.stats.buttons += 1
        data = keyboards.parse(query.data)
        message = query.message if isinstance(query.message, Message) else None
        if data is None or message is None:
            log.info("stale or invalid button data")
            await query.answer(texts.STALE_BUTTON)
            return
        live = self.engine.live
        if data.action in ("topics", "timeline"):
            await query.answer()
            if data.action == "topics":
                text, markup = self._topics_page(live, data.page)
            else:
                text, markup = self._timeline_page(live, None if data.ref == "all" else data.ref, data.page)
            try:
                await message.edit_text(text, reply_markup=markup)
            except BadRequest as exc:  # the same page again (e.g. after a reload shortened the list)
                if "not modified" not in str(exc).lower():
                    raise
            return
        brief = keyboards.resolve(data.ref, live.snapshot)
        if brief is None:
            await query.answer(texts.BRIEF_GONE)
            return
        if data.action == "open":
            await query.answer()
            await self._open(message, live, brief)
        elif data.action == "evidence":
            await query.answer()
            await self._reply(message, render.evidence(brief, live.snapshot.sources, HTML))
        elif data.action == "more":
            if not render.remaining(brief, data.shown):
                await query.answer(texts.NOTHING_MORE)
                return
            await query.answer()
            await self._reply(message, render.more(brief, data.shown, live.snapshot.sources, HTML))
        else:
            others = self._related(live, brief)
            if not others:
                await query.answer(texts.NOTHING_RELATED)
                return
            await query.answer()
            await self._reply(message, render.related(brief, others, HTML), keyboards.open_buttons(others))

    # -- errors ---------------------------------------------------------------------------------
    async def error(self, update: object, context: Context) -> None:
        """Log every error (the log is token-redacted) and, where there is someone to tell, say so politely."""
        err = context.error
        self.stats.errors += 1
        if isinstance(err, Forbidden):
            log.info("cannot send (the user blocked the bot or it left the chat): %s", err)
            return
        if isinstance(err, NetworkError) and not isinstance(err, BadRequest):
            # bot.retry already tried (and logged) as hard as it should: an apology would only go
            # through the same retries again, delaying every other answer and shutdown.
            log.warning("Telegram could not be reached; the answer to update %s is lost: %s", _update_id(update), err)
            return
        if isinstance(err, BadRequest):
            log.warning("Telegram refused a request: %s", err, exc_info=err)
        else:
            log.error("error while handling an update", exc_info=err)
        if not isinstance(update, Update):
            return
        if update.callback_query is not None:
            with suppress(TelegramError):
                await update.callback_query.answer(texts.SOMETHING_WENT_WRONG, show_alert=True)
                return
        chat = update.effective_chat
        if chat is not None and update.inline_query is None:
            with suppress(TelegramError):
                await context.bot.send_message(chat.id, texts.SOMETHING_WENT_WRONG)


class Typing:
    """«typing…» sent only if the answer is not out after ``delay`` seconds, and stopped once it is.

    A timer, not a task, waits in the common case (the answer is out within milliseconds), so the
    fast path costs one timer. A chat action still in flight when the answer is out is cancelled:
    arriving after the answer, it would show «typing…» under it for five seconds. It is never
    retried (``bot.retry``) and its failures are ignored: it is cosmetic.
    """

    def __init__(self, chat: Chat, delay: float) -> None:
        self._chat = chat
        self._delay = delay
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(self._delay, self._start)

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None:
            self._task.cancel()

    def _start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._send(), name="typing")

    async def _send(self) -> None:
        with suppress(TelegramError):
            await self._chat.send_action(ChatAction.TYPING)


def _relative(path: Path) -> Path:
    """``path`` as the loader shows it: relative to the working directory when inside it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _update_id(update: object) -> object:
    return update.update_id if isinstance(update, Update) else "?"


def _main_topics(live: Live) -> list[Brief]:
    """Every brief, topics and events first, then organisations, people and places; file order within a kind."""
    order = {kind: n for n, kind in enumerate(TOPIC_ORDER)}
    return sorted(live.snapshot.briefs, key=lambda b: order.get(b.kind, len(order)))


def user_text(text: str | None) -> str:
    """Text as a user sent it, made safe to search, store and echo.

    JSON can carry a lone UTF-16 surrogate (``"\\ud800"``); Python keeps it in a ``str`` but can
    encode it neither as UTF-8 nor as UTF-16. Echoed in a reply — or shown weeks later in
    ``/stats`` — it would make that send fail, every time. It becomes U+FFFD, as any decoder shows
    it; both are one UTF-16 unit, so Telegram's entity offsets stay valid.
    """
    return _SURROGATE.sub("\ufffd", text or "")


def arguments(context: Context) -> str:
    """A command's arguments as one string (``/brief سقوط  الأسد`` → ``سقوط الأسد``), made safe."""
    return user_text(" ".join(context.args or ()))


def entity_text(text: str, entity: MessageEntity) -> str:
    """The text an entity covers; its offset and length count UTF-16 units, as Telegram counts."""
    units = text.encode("utf-16-le")
    return units[2 * entity.offset : 2 * (entity.offset + entity.length)].decode("utf-16-le", "replace")


def addressed(message: Message, bot: Bot) -> str | None:
    """In a group, the question put to the bot (mentions of it removed), or ``None`` if not meant for it."""
    text = user_text(message.text)
    reply = message.reply_to_message
    to_bot = reply is not None and reply.from_user is not None and reply.from_user.id == bot.id
    mentioned = False
    me = f"@{bot.username}".lower()
    mentions = [e for e in message.entities if e.type in (MessageEntity.MENTION, MessageEntity.TEXT_MENTION)]
    for entity, value in [(e, entity_text(text, e)) for e in mentions]:
        ours = (
            value.lower() == me
            if entity.type == MessageEntity.MENTION
            else bool(entity.user and entity.user.id == bot.id)
        )
        if ours:
            mentioned = True
            text = text.replace(value, " ")
    if not (to_bot or mentioned):
        return None
    return " ".join(text.split())
