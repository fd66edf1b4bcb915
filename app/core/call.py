"""What a call is, as the flow sees it: its state, the events it gets, the actions it asks for.

Plain, frozen data; `Call` round-trips through JSON so any process can carry a call on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    """Where the conversation stands; text, so it round-trips through Redis."""

    LISTENING = "listening"
    CONFIRMING = "confirming"
    CHOOSING = "choosing"
    """After a topic question: "Handler det om A, B eller C?"."""
    OFFERING = "offering"
    """After an answer: "Vil du stilles videre?" or "Du nævnte også …; vil du høre om det?"."""
    MENU = "menu"
    CALLBACK_OFFER = "callback_offer"
    CALLBACK_NUMBER = "callback_number"
    CALLBACK_CONFIRM = "callback_confirm"
    ENDED = "ended"


class Outcome(StrEnum):
    """Exactly one per conversation (docs/conversation.md, "The KPI, defined once")."""

    RESOLVED = "resolved"
    TRANSFERRED = "transferred"
    ABANDONED = "abandoned"
    """The caller left before any answer."""
    NO_INPUT = "no_input"
    """The bot ended the call after silence, before any answer."""
    ERROR = "error"


class TransferReason(StrEnum):
    """Why a call went, or would have gone, to a person."""

    REQUESTED = "requested"
    ACCEPTED_OFFER = "accepted_offer"
    """An answer offered a person and the caller said yes."""
    NO_MATCH = "no_match"
    INTENT = "intent"
    ERROR = "error"
    CLOSED = "closed"
    URGENT = "urgent"
    """Someone may be in danger: 112 was said, then a person."""
    CASE = "case"
    """A question about the caller's own case (a letter, a bill, a payment): only staff see it."""
    REJECTED_ANSWER = "rejected_answer"
    """Not a transfer: why a call that got answers is not resolved (the caller rejected each)."""


# Events the channel feeds in.
@dataclass(frozen=True)
class Heard:
    """A final transcript of what the caller said."""

    text: str


@dataclass(frozen=True)
class Silence:
    """The caller said nothing after a prompt."""


@dataclass(frozen=True)
class Keypad:
    """A DTMF digit (or a digit typed in the chat)."""

    digit: str


@dataclass(frozen=True)
class Played:
    """A prompt finished playing to the caller (on the phone: Twilio echoed its mark)."""

    prompt_id: str


@dataclass(frozen=True)
class HungUp:
    """The caller left; ends the call wherever it stands."""


@dataclass(frozen=True)
class Failed:
    """Something broke inside the call; the caller hears an apology and gets a person."""

    reason: str = ""


Event = Heard | Silence | Keypad | Played | HungUp | Failed


# Actions the channel performs.
@dataclass(frozen=True)
class Say:
    """Speak a prompt; `barge_in` False means the caller cannot interrupt it."""

    prompt_id: str
    text: str
    barge_in: bool = True
    private: bool = False
    """Holds personal data (a number read back): synthesised for this call, never cached."""


@dataclass(frozen=True)
class Transfer:
    """Hand the call to a contact-centre queue."""

    queue: str
    reason: TransferReason
    intent: str | None = None


@dataclass(frozen=True)
class Hangup:
    """End the call after the prompts before it have played."""


@dataclass(frozen=True)
class RequestCallback:
    """Ask the contact centre to call back when it opens.

    `to` is the number the caller keyed in, or None for the number they are calling from
    (which only the channel knows).
    """

    to: str | None
    intent: str | None
    about: str


@dataclass(frozen=True)
class SendLink:
    """Text the caller the page an answer names (they said yes to "Vil du have linket på SMS?").

    Only offered on a call whose number takes an SMS (`Call.can_text`); the number stays with
    the channel, never in the flow.
    """

    intent: str
    title: str
    url: str


Action = Say | Transfer | Hangup | RequestCallback | SendLink


@dataclass(frozen=True)
class Turn:
    """One caller utterance and what the bot made of it (kept for hand-off and review)."""

    text: str
    """Redacted: CPR numbers, phone numbers and e-mail addresses are masked before storing."""
    intent: str | None
    decision: str
    confidence: float


@dataclass(frozen=True)
class Call:
    """Everything the flow remembers about one call; plain data, serialisable as JSON."""

    call_id: str
    state: State = State.LISTENING
    no_match: int = 0
    silences: int = 0
    pending: str | None = None
    """Intent awaiting "ja" after "Mente du ...?"."""
    last_said: tuple[Say, ...] = ()
    """What `gentag` repeats: the last answer or question."""
    answered: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    """Answers the caller said were not it ("nej, det var ikke det", 👎): they help no one."""
    unheard: str | None = None
    """The last answer, until it finished playing or the caller reacted to it."""
    turns: tuple[Turn, ...] = ()
    wanted_transfer: TransferReason | None = None
    """A transfer the caller needed while the contact centre was closed."""
    outcome: Outcome | None = None
    reason: TransferReason | None = None
    queue: str | None = None
    intents_version: str = ""
    """The intent set the call started on; it finishes on the same one."""
    keypad_only: bool = False
    """No speech recognition on this call (no model): the keypad menu, else a person."""
    keyed: str = ""
    """Digits of a callback number being keyed in; cleared once the callback is requested."""
    callback_to: str | None = None
    """The callback number the caller chose ("" for the number they call from)."""
    offer: str | None = None
    """In OFFERING: PERSON_OFFER, or the id of another intent the caller also asked about."""
    also: str | None = None
    """A second request heard in the same turn, offered once the first is answered."""
    callback_offers: int = 0
    """Times a callback was offered (closed hours); bounded so no call loops."""
    repeats: int = 0
    """Repeats asked for in a row (gentag, *)."""
    wrong_keys: int = 0
    """Keys pressed that mean nothing where the call stands."""
    small_talk: int = 0
    """Greetings and thanks acknowledged so far; only the first is free of the no-match count."""
    hesitations: int = 0
    """Turns in a row that were only "øh", "altså": waited out, then taken as a silence."""
    choices: tuple[str, ...] = ()
    """The intents a topic question offered ("… at søge hjælp, eller et besøg?"), in order."""
    can_text: bool = False
    """The caller's number takes an SMS (a Danish mobile, and SMS is on): links are offered."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Call:
        """Inverse of `to_dict`."""
        data = dict(data)
        data["state"] = State(data["state"])
        data["last_said"] = tuple(Say(**s) for s in data.get("last_said", ()))
        data["answered"] = tuple(data.get("answered", ()))
        data["rejected"] = tuple(data.get("rejected", ()))
        data["choices"] = tuple(data.get("choices", ()))
        data["turns"] = tuple(Turn(**t) for t in data.get("turns", ()))
        for key, kind in (
            ("wanted_transfer", TransferReason),
            ("reason", TransferReason),
            ("outcome", Outcome),
        ):
            data[key] = kind(data[key]) if data.get(key) else None
        return cls(**data)

    @property
    def helped(self) -> bool:
        """At least one answer was given that the caller did not reject."""
        left = list(self.answered)
        for intent in self.rejected:
            if intent in left:
                left.remove(intent)
        return bool(left)


@dataclass(frozen=True)
class Step:
    """The flow's answer to one event."""

    call: Call
    actions: tuple[Action, ...] = field(default_factory=tuple)


PERSON_OFFER = "person"
"""`Call.offer` when the caller is asked whether they want a person."""
LINK_OFFER = "link"
"""`Call.offer` when the caller is asked whether they want the last answer's link by SMS."""
ENGLISH_CALLBACK_OFFER = "english_callback"
"""`Call.offer` when an English caller, while closed, is asked whether we may call them back."""

CALLBACK_STATES = frozenset({State.CALLBACK_OFFER, State.CALLBACK_NUMBER, State.CALLBACK_CONFIRM})
"""While a callback is being arranged, "ja", "nej" and digits mean something else."""

YES_NO_STATES = frozenset(
    {State.CONFIRMING, State.OFFERING, State.CALLBACK_OFFER, State.CALLBACK_CONFIRM}
)
"""Where the bot has asked a yes/no question (the chat shows Ja/Nej buttons there)."""
