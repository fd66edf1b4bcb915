"""The long-lived parts of one process (Redis, intents, flow, speech), built once from settings.

What a conversation leaves behind is recorded by its mixin `Outcomes` (outcomes.py).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from redis import Redis
from redis.backoff import ConstantBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from .config import Settings
from .core.call import Say
from .core.conversation import Conversation
from .core.danish_words import FILLER_WORDS
from .core.flow import Flow
from .core.hours import OpeningHours
from .core.matcher import Matcher
from .core.texts import WRITTEN
from .errors import ConfigError
from .infra.keys import Keys, load_keys
from .infra.live_figures import LiveFigures
from .infra.redis_server import EmbeddedRedis
from .intents.catalogue import IntentSet
from .intents.versions import CHANNEL, SYNC_SECONDS, SharedIntents
from .outcomes.kpi.events import Channel
from .outcomes.kpi.store import KpiStore
from .outcomes.recording import Meta, Outcomes
from .speech.prompts import PromptLibrary
from .speech.stt import SpeechModel, vocabulary_of

if TYPE_CHECKING:
    from .speech.end_of_turn import EndOfTurn
    from .staff.accounts import AccountBook

log = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 1.0
"""A webhook waiting on Redis must still answer Twilio well within its 15 s limit; one quick retry
reconnects a pooled connection after a Redis restart (redis-py's default backs off for seconds)."""


FROM_SETTINGS = object()
"""`Services(speech_model=…)` unset: the model is loaded as the settings say."""


class Services(Outcomes):
    """What commands and the web app share; `close()` stops what it started.

    Args:
        settings: the process's settings.
        clock: current time; tests and `voicebot chat --at` pin it.
        speech_model: a recogniser's model to use (or None: keypad only) instead of loading
            the one the settings name; tests give a scripted one.
    """

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime] | None = None,
        speech_model: SpeechModel | None | object = FROM_SETTINGS,
    ) -> None:
        self.settings = settings
        self._given_speech_model = speech_model
        self.tz = ZoneInfo(settings.timezone)
        self.clock = clock or (lambda: datetime.now(self.tz))
        self.hours = OpeningHours.from_spec(
            settings.opening_hours, settings.timezone, settings.closed_dates
        )
        self.on_new_intent_set: Callable[[Flow], None] | None = None
        """Called when a new intent set is first used (e.g. to render its prompts)."""
        self._flows: dict[str, tuple[Flow, Flow]] = {}
        self.live = LiveFigures()
        self.speech_load_seconds = 0.0
        self._embedded: EmbeddedRedis | None = None
        self._redis: Redis | None = None
        self._url = ""
        self._stopping = threading.Event()
        self._follower: threading.Thread | None = None
        self.draining = threading.Event()
        """Set on SIGTERM (`serving.DrainingWorker`): health checks send the front elsewhere."""

    @property
    def redis(self) -> Redis:
        """The configured Redis, or an embedded one started on first use."""
        if self._redis is None:
            url = self.settings.redis_url
            if not url:
                self._embedded = EmbeddedRedis(self.settings.data_dir / "redis")
                url = self._embedded.start()
            self._url = url
            self._redis = Redis.from_url(
                url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                retry=Retry(ConstantBackoff(0.05), 1),
            )
        return self._redis

    def worker_redis(self) -> Redis:
        """A connection of its own for an RQ worker, whose blocking dequeue outwaits its timeout.

        The shared pool's short timeout (REDIS_TIMEOUT_SECONDS) cut RQ's blocking read
        (WORKER_TTL_SECONDS - 15 s): the worker logged "could not connect" every minute and
        /readyz lost its heartbeat.
        """
        from .jobs.queue import WORKER_TTL_SECONDS

        _ = self.redis  # starts the embedded Redis when none is configured
        return Redis.from_url(
            self._url,
            socket_timeout=WORKER_TTL_SECONDS + 10,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )

    @cached_property
    def library(self) -> SharedIntents:
        """The cluster's intent set, written back to INTENTS_DIR; a broken set fails here."""
        return SharedIntents(self.settings.intents_dir, self.redis)

    def follow_intents(self) -> None:
        """A daemon thread that swaps to a new intent set as soon as one is published.

        Each new set's flow is built at once, so `on_new_intent_set` (prompt rendering) runs
        before the first call needs it. Without a message it looks every `SYNC_SECONDS`.
        """

        def follow() -> None:
            pubsub = None
            while not self._stopping.is_set():
                try:
                    if pubsub is None:
                        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                        pubsub.subscribe(CHANNEL)
                    pubsub.get_message(timeout=SYNC_SECONDS)
                    if self._stopping.is_set():  # woken by close(): touch nothing more
                        break
                    self.library.sync()
                    self.flow()
                except RedisError:
                    pubsub = None
                    self._stopping.wait(SYNC_SECONDS)
                except Exception:  # noqa: BLE001 - the thread must outlive any one failure
                    log.exception("following the intent set failed")
                    self._stopping.wait(SYNC_SECONDS)
            if pubsub is not None:
                pubsub.close()

        self._follower = threading.Thread(target=follow, name="intents-follower", daemon=True)
        self._follower.start()

    @property
    def kpi(self) -> KpiStore:
        """Call records and counters."""
        return KpiStore(self.redis)

    def flow(self, intents: IntentSet | None = None, written: bool = False) -> Flow:
        """The flow for an intent set (default: the current one), built once per version.

        `written`: the same rules worded for a chat (buttons, "skriv") rather than a call.
        """
        intents = intents or self.library.current()
        flows = self._flows.get(intents.version)
        if flows is None:
            cache = self.settings.model_cache()
            matcher = Matcher(intents, self.settings.thresholds(), model_cache=cache)
            name = self.settings.municipality_name
            flows = (
                Flow(intents, matcher, self.hours, self.clock, name),
                Flow(intents, matcher, self.hours, self.clock, name, texts=WRITTEN),
            )
            self._flows = {intents.version: flows}  # calls in progress keep their reference
            if self.on_new_intent_set:
                self.on_new_intent_set(flows[0])
        return flows[written]

    def conversation(
        self,
        call_id: str,
        channel: Channel,
        caller: str | None = None,
        keypad_only: bool = False,
        via: str | None = None,
        can_text: bool = False,
    ) -> Conversation:
        """A new call on the current intent set, whose outcome is recorded when it ends.

        The website chat (`Channel.WEB`) gets the written wording; `via` names a phone adapter;
        `can_text`: the caller's number takes an SMS (see `can_text`).
        """
        started = self.clock()
        meta: Meta = {
            "channel": channel.value,
            "started_at": started.astimezone(UTC).isoformat(),
            "in_hours": self.hours.is_open(started),
            "caller": caller,
            "via": via,
        }
        flow = self.flow(written=channel is Channel.WEB)
        return Conversation(
            flow, call_id, lambda call: self.record(call, meta), keypad_only, meta, can_text
        )

    def run_every(self, name: str, seconds: float, task: Callable[[], object]) -> None:
        """A daemon thread running `task` every `seconds` until `close()`; it outlives failures."""

        def loop() -> None:
            while not self._stopping.wait(seconds):
                try:
                    task()
                except RedisError:
                    continue
                except Exception:  # noqa: BLE001 - the loop must outlive any one failure
                    log.exception("%s failed", name)

        threading.Thread(target=loop, name=name, daemon=True).start()

    @cached_property
    def accounts(self) -> AccountBook:
        """Staff accounts, re-read when ACCOUNTS_FILE changes."""
        from .staff.accounts import AccountBook

        return AccountBook(self.settings.accounts())

    @cached_property
    def keys(self) -> Keys:
        """Session and caller-hash keys from SECRET_KEY, or from the secret under DATA_DIR."""
        return load_keys(self.settings.secret_key, self.settings.data_dir)

    def caller_hash(self, number: str) -> str:
        """Keyed hash of a phone number: re-contact can be counted, the number is not kept."""
        digest = hmac.new(self.keys.caller_hash, number.encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    # --- speech ---------------------------------------------------------------------------

    @cached_property
    def turn_model(self) -> EndOfTurn | None:
        """The end-of-turn model (TURN_MODEL) for engines without live words; None: fixed wait.

        A model that will not load is logged and calls keep the fixed wait.
        """
        from .speech import end_of_turn

        try:
            return end_of_turn.load(self.settings.turn_model)
        except ConfigError as exc:
            log.error("end-of-turn model not loaded, turns end on the fixed wait: %s", exc)
            return None

    @cached_property
    def speech_model(self) -> SpeechModel | None:
        """The recogniser's model, loaded once; None (said once in the log) when unset or broken."""
        from .speech import engines

        if self._given_speech_model is not FROM_SETTINGS:
            return self._given_speech_model  # type: ignore[return-value]

        started = time.perf_counter()
        try:
            model = engines.load(self.settings)
        except ConfigError as exc:
            log.error("speech model not loaded, calls get the keypad menu: %s", exc)
            return None
        if model is None:
            log.warning("no STT_MODEL_PATH: calls get the keypad menu and a person")
            return None
        self.speech_load_seconds = time.perf_counter() - started
        log.warning(
            "speech: engine %s, model %s, loaded in %.1f s",
            self.settings.stt_engine,
            engines.model_path(self.settings),
            self.speech_load_seconds,
        )
        return model

    def vocabulary(self, intents: IntentSet) -> list[str]:
        """The words a restricted recogniser listens for: examples, synonyms, fillers."""
        phrases = list(FILLER_WORDS)
        for intent in intents.intents.values():
            phrases += [*intent.examples, *intent.synonyms]
            phrases += [v for variants in intent.synonyms.values() for v in variants]
        return vocabulary_of([*phrases, *FILLER_WORDS])

    @cached_property
    def prompts(self) -> PromptLibrary:
        """Recorded or rendered prompt audio."""
        from .speech import voices

        synthesizer, voice = voices.load(self.settings)
        return PromptLibrary(
            self.settings.prompt_cache() / voice,
            self.settings.prompts_dir,
            synthesizer,
            voice,
        )

    def render_prompts(self, prompts: list[Say]) -> int:
        """Render what is not cached yet; returns how many were made.

        A failure is logged once: those prompts are then synthesised when first said (and a
        call whose prompt cannot be made hears an apology and reaches a person).
        """
        started, made = time.perf_counter(), 0
        try:
            for say in prompts:
                if self.prompts.cached(say.prompt_id, say.text) is None:
                    self.prompts.render(say.prompt_id, say.text)
                    made += 1
        except Exception:  # noqa: BLE001 - start-up must go on; calls apologise if TTS is broken
            log.exception("prompt rendering failed after %d prompts", made)
        log.info(
            "prompts ready rendered=%d of=%d seconds=%.2f",
            made,
            len(prompts),
            time.perf_counter() - started,
        )
        return made

    @cached_property
    def executor(self) -> ThreadPoolExecutor:
        """Where prompts missing from the cache are synthesised, off every call's loop."""
        return ThreadPoolExecutor(max_workers=2, thread_name_prefix="tts")

    def close(self) -> None:
        """Close connections and stop an embedded Redis we started.

        The intents follower is woken and waited for: once this returns it writes nothing, to
        Redis or to the files (a store flushed for the next user would be filled again).
        """
        self._stopping.set()
        if self._follower is not None:
            try:
                self.redis.publish(CHANNEL, "0")  # wakes every follower; ours sees it must stop
            except RedisError:
                pass
            self._follower.join(timeout=2 * SYNC_SECONDS)
            self._follower = None
        if "executor" in self.__dict__:
            self.executor.shutdown(wait=False, cancel_futures=True)
        if self._redis is not None:
            self._redis.close()
            self._redis = None
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None
