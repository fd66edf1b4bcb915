"""Typed settings read from the environment (and an optional `.env`), every default documented."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:
    from .core.verdict import Thresholds

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout the package runs from (site-packages when installed: then see HOME)."""
HOME = PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").is_file() else Path.cwd()
"""Where `intents/`, `audio/` and `var/` are looked for by default: the checkout, or for an
installed package the working directory (never site-packages, which the app user cannot and
should not write)."""


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment.

    Each field maps to the upper-case environment variable of the same name.
    """

    redis_url: str | None = None
    """Redis for call state, counters and jobs. Unset: an embedded redis-server under DATA_DIR."""
    stt_engine: str = "vosk"
    """Speech recogniser: `vosk` (streaming), `ctc` (wav2vec2 ONNX, e.g. Røst), `transducer`
    (NeMo RNN-T/TDT ONNX, e.g. parakeet-rnnt-110m-da-dk) or `whisper`."""
    stt_model_path: str | None = None
    """The engine's model directory. Unset with Vosk: calls get the keypad menu and transfer."""
    vosk_model_path: str | None = None
    """Older name of STT_MODEL_PATH for the Vosk engine (still read)."""
    stt_threads: int = 0
    """CPU threads one decoding may use (ctc, transducer, whisper); 0: every core of the process."""
    stt_chunk_ms: int = 1000
    """ctc, transducer: audio encoded at a time while the caller speaks; 0 encodes whole turns at
    the end."""
    turn_model: str | None = None
    """End of turn by a model for turn-based engines (ctc, transducer, whisper): `smart-turn-v3.2`
    (installed by `make setup`) or an ONNX file's path. Unset: a fixed 640 ms of silence."""
    intents_dir: Path = HOME / "intents" / "da"
    """One YAML file per intent; `index.yaml` (topics, queues) lives in its parent."""
    data_dir: Path = HOME / "var"
    """Embedded Redis data, rendered prompt audio, fitted models, the secret and staff accounts."""
    model_cache_dir: Path | None = None
    """Where the matcher's fitted models are kept (default DATA_DIR/models); may be shared."""
    prompt_cache_dir: Path | None = None
    """Where rendered prompt audio is kept (default DATA_DIR/prompts); may be shared."""
    public_base_url: str | None = None
    """The https URL Twilio calls; webhook signatures are checked against it."""
    prompts_dir: Path = HOME / "audio" / "prompts" / "da"
    """Recorded prompts, `<prompt_id>.wav`, played instead of TTS where present."""
    tts_engine: str = "pyttsx3"
    """Prompt voice: `pyttsx3` (espeak-ng) or `piper` (a neural voice file)."""
    tts_voice: str = "da"
    """pyttsx3: an espeak-ng voice; piper: the path of a voice's `.onnx` (its `.json` beside)."""
    stt_vocabulary: str = "restricted"
    """`restricted`: recognise only the intents' words (Vosk, ~8x cheaper) or bias toward them
    (ctc, whisper); `open`: the model's own vocabulary, unbiased."""
    transfer_mode: str = "queue"
    """`queue` (Twilio <Enqueue> by name), `taskrouter` (TWILIO_WORKFLOW_SID) or `dial`."""
    transfer_number: str | None = None
    """Number or sip: address for TRANSFER_MODE=dial."""
    twilio_workflow_sid: str | None = None
    """The TaskRouter workflow calls are enqueued to with TRANSFER_MODE=taskrouter."""
    queue_timeout_seconds: int = 600
    """A caller waiting this long in a queue is offered a callback instead of waiting on."""
    accounts_file: Path | None = None
    """Staff accounts (agents, admins) with hashed passwords, written by `voicebot accounts add`
    (default DATA_DIR/accounts.yaml)."""
    api_token: str | None = None
    """Bearer token for `GET /api/handoffs/<call_sid>` (contact-centre software); unset: API off."""
    sms_from: str | None = None
    """Twilio number (or messaging service) that sends callback receipts; unset: no SMS."""
    twilio_api_base_url: str = "https://api.twilio.com"
    """Twilio's REST API (changed only to point tests at a local server)."""
    twilio_account_sid: str | None = None
    """The account whose REST API sends SMS (with TWILIO_AUTH_TOKEN and SMS_FROM)."""
    twilio_auth_token: str | None = None
    """Signs and verifies every Twilio webhook; unset, the Twilio routes answer 404."""
    asterisk_password: str | None = field(default=None, repr=False)
    """Basic-auth password of calls from an Asterisk (chan_websocket); unset, /asterisk/ is 404."""
    timezone: str = "Europe/Copenhagen"
    """Opening hours, the KPI's hours and days, and the times staff see are in this zone."""
    municipality_name: str = "Høje-Taastrup Kommune"
    """Spoken in the greeting."""
    opening_hours: str = "mon-wed 10:00-14:30; thu 10:00-17:00; fri 10:00-13:30"
    """Contact centre phone hours; closed on Danish public holidays and CLOSED_DATES."""
    closed_dates: tuple[date, ...] = ()
    """Extra closing days, comma-separated ISO dates (e.g. 2026-12-23)."""
    transcript_retention_days: int = 30
    """Days a redacted utterance kept for /admin/review lives; older ones are purged hourly."""
    match_answer_threshold: float = 0.42
    """Confidence from which the bot answers without asking back (chosen by `intents eval`)."""
    match_confirm_threshold: float = 0.26
    """Confidence from which the bot asks "Mente du ...?" rather than "say it again"."""
    match_margin: float = 0.10
    """An answer also needs this lead over the runner-up intent; closer calls are confirmed."""
    secret_key: str | None = field(default=None, repr=False)
    """Keys staff sessions and the caller hash; unset: a random one made once under DATA_DIR."""
    sip_listen: str = "0.0.0.0:5060"
    """`voicebot sip`: where it takes INVITEs (UDP and TCP)."""
    sip_trusted: str = "127.0.0.1/32"
    """`voicebot sip`: networks (CIDRs, comma-separated) INVITEs are taken from; others get 403."""
    sip_public_ip: str | None = None
    """`voicebot sip`: the address put in our SDP when the edge is behind NAT."""
    sip_bot_url: str = "http://127.0.0.1:8000"
    """`voicebot sip`: the bot (`voicebot serve`) the edge hands each call to, on localhost."""
    sip_invites_per_minute: int = 30
    """`voicebot sip`: INVITEs one address may send in a minute; more get 503."""
    sip_max_calls: int = 40
    """`voicebot sip`: calls at once; the next INVITE gets 486 Busy Here."""
    sip_transfer_uri: str | None = None
    """`voicebot sip`: transfer target of queues with no `sip:` in index.yaml (`sip:{queue}@…`)."""
    sip_users: str | None = field(default=None, repr=False)
    """`voicebot sip`: `user:password,…` whose digest credentials admit INVITEs from elsewhere."""
    sip_register: str | None = None
    """`voicebot sip`: `sip:user@trunk.host[:port]` to REGISTER with, for trunks that want it."""
    sip_register_password: str | None = field(default=None, repr=False)
    """`voicebot sip`: the password for SIP_REGISTER's digest challenge."""
    sip_rtp_ports: str | None = None
    """`voicebot sip`: RTP port range `low-high` (e.g. `30000-30999`); unset: ephemeral ports."""
    sip_tcp_per_address: int = 16
    """`voicebot sip`: TCP connections one untrusted address may hold (SIP_TRUSTED: no limit)."""
    sip_tcp_idle_seconds: int = 30
    """`voicebot sip`: an untrusted TCP connection with no whole SIP message this long is closed."""
    sip_messages_per_second: int = 50
    """`voicebot sip`: SIP messages one address may send per second (bursts to twice that)."""
    drain_seconds: int = 300
    """A node told to stop (SIGTERM) refuses new calls and finishes live ones for this long."""
    drain_notice_seconds: int = 7
    """Before that, `/healthz` says 503 this long so the front (checking every 5 s) moves on."""
    trusted_proxies: str = "127.0.0.1/32,::1/128"
    """Fronts (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the client; no
    other sender's header is believed. Compose sets its front's network."""
    max_request_bytes: int = 64 * 1024
    """Largest request body accepted; Twilio's webhook forms are a few kilobytes."""

    answer_review_days: int = 180
    """An answer whose last review by its owner is older than this is listed as due."""
    chat_allowed_origins: str = ""
    """Web pages (scheme://host[:port], comma-separated) that may embed the chat; unset: ours."""
    chat_idle_seconds: int = 600
    """A chat with no message for this long ends as a silent call does."""
    chat_agent_wait_seconds: int = 180
    """A chat waiting this long for an agent is offered a callback or the contact form."""
    chat_contact_url: str | None = None
    """The municipality's contact form (https), offered when no agent can take a chat."""
    chat_messages_per_minute: int = 20
    """Per chat session; an address may send ten times as many (a town hall's shared NAT)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from `environ` (default: `.env` in the working directory + os.environ)."""
        if environ is None:
            from dotenv import load_dotenv

            load_dotenv(override=False)
            environ = os.environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        return cls(**values)

    @classmethod
    def for_tests(cls, **overrides: Any) -> Settings:
        """Defaults plus overrides, ignoring the environment of whoever runs the tests."""
        return replace(cls(), **overrides)

    def with_(self, **overrides: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **overrides)

    def model_cache(self) -> Path:
        """Where fitted models are kept: MODEL_CACHE_DIR, else DATA_DIR/models."""
        return self.model_cache_dir or self.data_dir / "models"

    def accounts(self) -> Path:
        """The staff accounts file: ACCOUNTS_FILE, else DATA_DIR/accounts.yaml."""
        return self.accounts_file or self.data_dir / "accounts.yaml"

    def prompt_cache(self) -> Path:
        """Where rendered prompts are kept: PROMPT_CACHE_DIR, else DATA_DIR/prompts."""
        return self.prompt_cache_dir or self.data_dir / "prompts"

    def thresholds(self) -> Thresholds:
        """The matcher's decision cut-offs."""
        from .core.verdict import Thresholds

        return Thresholds(
            self.match_answer_threshold, self.match_confirm_threshold, self.match_margin
        )

    def check_phone(self) -> None:
        """What `voicebot serve` needs: fail at start-up with one clear line, never mid-call.

        The speech settings are checked by `speech.engines.check_speech`, which knows the engines.
        """
        self.require("public_base_url")
        if not str(self.public_base_url).startswith("https://"):
            raise ConfigError("PUBLIC_BASE_URL must be the https:// URL Twilio calls")
        if not (self.twilio_auth_token or self.asterisk_password):
            raise ConfigError(
                "missing required setting(s): TWILIO_AUTH_TOKEN (calls through Twilio) "
                "or ASTERISK_PASSWORD (calls from your own Asterisk)"
            )
        if self.asterisk_password is not None and len(self.asterisk_password) < 16:
            raise ConfigError("ASTERISK_PASSWORD must be 16 or more random characters")
        if self.api_token is not None and len(self.api_token) < 32:
            raise ConfigError("API_TOKEN must be 32 or more random characters")
        choices = {
            "stt_vocabulary": ("restricted", "open"),
            "transfer_mode": ("queue", "taskrouter", "dial"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name.upper()} must be one of {', '.join(allowed)}")
        if self.transfer_mode == "dial":
            self.require("transfer_number")
        if self.transfer_mode == "taskrouter":
            self.require("twilio_workflow_sid")

    def require(self, *names: str) -> None:
        """Fail with one clear line when a command needs settings that are unset."""
        missing = [n.upper() for n in names if not getattr(self, n)]
        if missing:
            raise ConfigError(f"missing required setting(s): {', '.join(missing)}")


def _parse(name: str, type_name: Any, raw: str) -> Any:
    """Convert one environment string to the field's type, naming the variable on failure."""
    kind = str(type_name)
    try:
        if kind.startswith("Path"):
            return Path(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind.startswith("tuple[date"):
            return tuple(date.fromisoformat(p.strip()) for p in raw.split(",") if p.strip())
    except ValueError as exc:
        raise ConfigError(f"{name.upper()}={raw!r}: {exc}") from None
    return raw
