"""What the bot says besides intent answers: Danish, short sentences, written for the ear."""

from __future__ import annotations

PROMPTS: dict[str, str] = {
    "greeting": "Hej, du har ringet til {municipality}. Du taler med en automatisk assistent.",
    "ask": "Hvad kan jeg hjælpe dig med?",
    "ask_again": "Hvad kan jeg ellers hjælpe dig med?",
    "anything_else": "Kan jeg hjælpe med andet?",
    "confirm": "Mente du {description}?",
    "confirm_again": "Undskyld. Sig det gerne med andre ord.",
    "rephrase": "Det forstod jeg desværre ikke. Prøv at sige det med andre ord.",
    "menu": (
        "Jeg forstod det stadig ikke. Brug tastaturet. {choices}, eller tryk 0 for en medarbejder."
    ),
    "menu_only": "{choices}, eller tryk 0 for en medarbejder.",
    "menu_invalid": "Det tal kender jeg ikke. {choices}, eller tryk 0 for en medarbejder.",
    "silence": (
        "Er du der stadig? Sig, hvad du vil have hjælp til, eller tryk 0 for en medarbejder."
    ),
    "transfer": "Et øjeblik. Jeg stiller dig videre til en medarbejder.",
    "closed": (
        "Kontaktcentret har lukket lige nu. Vi har åbent igen {next_opening}. "
        "Du kan også finde hjælp på borger.dk."
    ),
    "callback_offer": (
        "Vil du have, at en medarbejder ringer dig op, når vi har åbnet? "
        "Sig ja eller nej, eller tryk 1 for ja og 2 for nej."
    ),
    "callback_number": (
        "Skal vi ringe til det nummer, du ringer fra? Sig ja, "
        "eller tast det nummer, vi skal ringe til, og afslut med firkant."
    ),
    "callback_key_number": "Tast det nummer, vi skal ringe til, og afslut med firkant.",
    "callback_bad_number": (
        "Det nummer kunne jeg ikke bruge. Tast otte cifre og afslut med firkant."
    ),
    "callback_confirm": "Du bliver ringet op om {about}. Er det rigtigt? Sig ja eller nej.",
    "callback_yes_no": "Sig ja eller nej, eller tryk 1 for ja og 2 for nej.",
    "callback_done": (
        "Tak. En medarbejder ringer dig op, når vi har åbnet. Tak fordi du ringede. Farvel."
    ),
    "goodbye": "Tak fordi du ringede. Farvel.",
    "error": "Undskyld, der skete en fejl hos mig.",
    "no_repeat": "Jeg har ikke sagt noget, jeg kan gentage. Hvad kan jeg hjælpe dig med?",
}
"""Prompt id → Danish text; the flow fills in `{names}`. Recorded audio may replace any id."""

OPEN_NOW = {
    True: "Lige nu har vi åbent.",
    False: "Lige nu har vi lukket, og vi åbner igen {next_opening}.",
}
"""Filled into answers that use `{open_now}`."""


def menu_choices(labels: list[str]) -> str:
    """The keypad choices, e.g. "Tryk 1 for Sundhed og omsorg, 2 for Kørekort"."""
    items = [f"{n} for {label}" for n, label in enumerate(labels, start=1)]
    return "Tryk " + ", ".join(items)
