"""What the bot says besides intent answers: Danish, short sentences, written for the ear.

No digits with a dot or colon (times come from `hours.say_clock`), du-form throughout, and a
way on (0, ja/nej, *) named where a caller would need it.
"""

from __future__ import annotations

UNKNOWN_ABOUT = "dit spørgsmål"
"""What a callback is about when no topic was understood (the agent reads "emne ukendt")."""

PROMPTS: dict[str, str] = {
    "greeting": (
        "Hej, du har ringet til {municipality}. Du taler med en automatisk assistent. "
        "Du kan altid trykke 0 for at tale med en medarbejder."
    ),
    "greeting_closed": (
        "Hej, du har ringet til {municipality}. Du taler med en automatisk assistent. "
        "Kontaktcentret har lukket, men tryk 0, hvis du vil ringes op af en medarbejder."
    ),
    "ask": "Hvad kan jeg hjælpe dig med?",
    "ask_again": "Hvad kan jeg ellers hjælpe dig med?",
    "not_helped_yet": "Selv tak. Er der noget, jeg kan hjælpe dig med?",
    "hello": "Hej. Hvad kan jeg hjælpe dig med?",
    "thanks_ask": "Selv tak. Hvad kan jeg hjælpe dig med?",
    "thanks_bye": "Selv tak. Farvel.",
    "anything_else": "Kan jeg hjælpe med andet?",
    "offer_person": "Vil du stilles videre til en medarbejder? Sig ja eller nej.",
    "offer_callback": (
        "Kontaktcentret har lukket nu. Vil du have, at en medarbejder ringer dig op, "
        "når vi har åbnet? Sig ja eller nej."
    ),
    "also": "Du nævnte også {description}. Vil du høre om det?",
    "offer_link": "Vil du have linket på SMS? Sig ja eller nej.",
    "link_sent": "Jeg sender linket til dig på SMS nu. Kan jeg hjælpe med andet?",
    "yes_no": "Sig ja eller nej, eller tryk 1 for ja og 2 for nej.",
    "confirm": "Handler det om {description}?",
    "choose": "Handler det om {choices}?",
    "choose_keys": "{choices}, eller tryk 0 for en medarbejder.",
    "not_it": "Undskyld. Vil du sige det på en anden måde, eller skal jeg stille dig videre?",
    "not_it_closed": (
        "Undskyld. Vil du sige det på en anden måde, eller vil du ringes op, når vi har åbnet?"
    ),
    "no_follow_up": "Det kan jeg ikke svare på. Vil du stilles videre til en medarbejder?",
    "no_follow_up_closed": (
        "Det kan jeg ikke svare på. Vil du ringes op af en medarbejder, når vi har åbnet?"
    ),
    "urgent": "Ring 1 1 2, hvis det haster.",
    "robot": (
        "Ja, jeg er en automatisk assistent. Sig medarbejder, hvis du vil tale med et menneske."
    ),
    "english": (
        "Sorry, I can only help in Danish. Would you like to talk to a person? Say yes, or press 1."
    ),
    "english_closed": (
        "Sorry, I can only help in Danish, and our contact centre is closed now. Would you like "
        "us to call you back on this number when we open? Say yes, or press 1."
    ),
    "english_callback_done": "Thank you. We will call you back when we open. Goodbye.",
    "english_goodbye": "Then please call again when we are open. Goodbye.",
    "confirm_again": "Undskyld. Sig det gerne med andre ord.",
    "rephrase": "Det forstod jeg desværre ikke. Prøv at sige det med andre ord.",
    "no_choice": "Det valg findes ikke. Sig, hvad du vil have hjælp til, eller tryk 0.",
    "menu": (
        "Jeg forstod det stadig ikke. {choices}, eller tryk 0. "
        "Du kan også sige, hvad det drejer sig om."
    ),
    "menu_only": "{choices}, eller tryk 0 for en medarbejder.",
    "menu_invalid": "Det valg findes ikke. {choices}, eller tryk 0.",
    "still_there": "Er du der stadig?",
    "no_input_goodbye": "Jeg kan ikke høre dig, så jeg lægger på nu. Ring gerne igen. Farvel.",
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
    "callback_key_number": (
        "Tast det nummer, vi skal ringe til, og afslut med firkant. Eller sig nej for at lade være."
    ),
    "callback_number_again": (
        "Hvilket nummer skal vi ringe til? Sig det, eller tast det og afslut med firkant."
    ),
    "callback_bad_number": (
        "Det nummer kunne jeg ikke bruge, for {why}. Tast de otte cifre og afslut med firkant."
    ),
    "callback_confirm": (
        "Du bliver ringet op på det nummer, du ringer fra, om {about}. Er det rigtigt? "
        "Sig ja eller nej."
    ),
    "callback_confirm_number": (
        "Du bliver ringet op på {number} om {about}. Er det rigtigt? Sig ja eller nej."
    ),
    "callback_done": (
        "Tak. En medarbejder ringer dig op, når vi har åbnet. Tak fordi du ringede. Farvel."
    ),
    "goodbye": "Tak fordi du ringede. Farvel.",
    "error": "Undskyld, der skete en fejl hos mig.",
    "no_repeat": "Jeg har ikke sagt noget, jeg kan gentage. Hvad kan jeg hjælpe dig med?",
}
"""Prompt id → Danish text; the flow fills in `{names}`. Recorded audio may replace any id."""

WRITTEN: dict[str, str] = {
    **PROMPTS,
    "greeting": (
        "Hej, du skriver med {municipality}. Jeg er en automatisk assistent. "
        "Vælg »Tal med en medarbejder«, hvis du vil skrive med en person."
    ),
    "greeting_closed": (
        "Hej, du skriver med {municipality}. Jeg er en automatisk assistent. "
        "Kontaktcentret har lukket, men du kan bede om at blive ringet op."
    ),
    "offer_person": "Vil du tale med en medarbejder?",
    "offer_callback": (
        "Kontaktcentret har lukket nu. Vil du have, at en medarbejder ringer dig op, "
        "når vi har åbnet?"
    ),
    "yes_no": "Svar ja eller nej.",
    "not_it": "Undskyld. Vil du skrive det på en anden måde, eller vil du tale med en medarbejder?",
    "not_it_closed": (
        "Undskyld. Vil du skrive det på en anden måde, eller vil du ringes op, når vi har åbnet?"
    ),
    "no_follow_up": "Det kan jeg ikke svare på. Vil du tale med en medarbejder?",
    "urgent": "Ring 112, hvis det haster.",
    "robot": (
        "Ja, jeg er en automatisk assistent. Vælg »Tal med en medarbejder«, hvis du vil skrive "
        "med et menneske."
    ),
    "english": "Sorry, I can only help in Danish. Would you like to talk to a person?",
    "english_closed": (
        "Sorry, I can only help in Danish, and our contact centre is closed now. Please write "
        "again when we are open."
    ),
    "confirm_again": "Undskyld. Skriv det gerne med andre ord.",
    "rephrase": "Det forstod jeg desværre ikke. Prøv at skrive det med andre ord.",
    "no_choice": "Det valg findes ikke. Skriv, hvad du vil have hjælp til.",
    "menu": (
        "Jeg forstod det stadig ikke. Vælg et emne herunder, eller skriv, hvad det drejer sig om."
    ),
    "menu_only": "Vælg et emne herunder.",
    "choose_keys": "Hvad handler det om? Vælg herunder.",
    "menu_invalid": "Det valg findes ikke. Vælg et emne herunder.",
    "still_there": "Er du der stadig?",
    "no_input_goodbye": "Samtalen er afsluttet, fordi der ikke kom svar. Skriv gerne igen.",
    "transfer": "Et øjeblik. Jeg sætter dig i kø til en medarbejder.",
    "callback_offer": "Vil du have, at en medarbejder ringer dig op, når vi har åbnet?",
    "callback_number": "Skriv det telefonnummer, vi skal ringe til.",
    "callback_key_number": "Skriv det telefonnummer, vi skal ringe til, eller svar nej.",
    "callback_number_again": "Hvilket nummer skal vi ringe til? Skriv det her.",
    "callback_bad_number": (
        "Det nummer kunne jeg ikke bruge, for {why}. Skriv et dansk nummer på otte cifre."
    ),
    "callback_confirm": "Du bliver ringet op om {about}. Er det rigtigt?",
    "callback_confirm_number": "Du bliver ringet op på {number} om {about}. Er det rigtigt?",
    "callback_done": "Tak. En medarbejder ringer dig op, når vi har åbnet. Farvel.",
    "goodbye": "Tak for samtalen. Farvel.",
    "no_repeat": "Hvad kan jeg hjælpe dig med?",
}
"""The same prompts written for a chat: buttons instead of keys, "skriv" instead of "sig"."""

CHAT: dict[str, str] = {
    "title": "Skriv med kommunen",
    "launcher": "Chat med kommunen",
    "close": "Luk chatten",
    "input": "Skriv dit spørgsmål",
    "send": "Send",
    "notice": (
        "Du skriver med en automatisk assistent. Skriv ikke dit CPR-nummer. Beskederne gemmes "
        "uden numre i {days} dage, så vi kan gøre svarene bedre."
    ),
    "person": "Tal med en medarbejder",
    "call_me": "Bliv ringet op",
    "expired": "Din tidligere samtale er afsluttet, så vi begynder forfra.",
    "ended": "Samtalen er afsluttet. Vælg »Ny samtale«, hvis du vil spørge om mere.",
    "restart": "Ny samtale",
    "too_long": "Beskeden er for lang. Skriv højst {longest} tegn.",
    "empty": "Skriv en besked.",
    "too_many": "Du har sendt mange beskeder på kort tid. Vent et øjeblik, og prøv igen.",
    "full": "Samtalen er blevet meget lang, så den afsluttes her. Start gerne en ny samtale.",
    "feedback": "Fik du svar på dit spørgsmål?",
    "feedback_yes": "👍 Ja",
    "feedback_no": "👎 Nej",
    "thanks_feedback": "Tak for dit svar.",
    "no_agent": (
        "Der er desværre ingen medarbejder ledig lige nu. Du kan blive ringet op, "
        "eller skrive til os."
    ),
    "contact_form": "Skriv til kommunen",
    "callback_number": "Skriv det telefonnummer, vi skal ringe til.",
    "callback_bad_number": "Det nummer kunne jeg ikke bruge. Skriv et dansk nummer på otte cifre.",
    "callback_done": "Tak. En medarbejder ringer dig op hurtigst muligt.",
    "callback_about": UNKNOWN_ABOUT,
    "agent_joined": "Du skriver nu med {name}.",
    "agent_took": "Du har taget chatten. Borgeren kan se dit navn.",
    "agent_left": "Medarbejderen har afsluttet samtalen. Tak for i dag.",
    "waiting": "Du er i kø. En medarbejder skriver til dig her.",
    "queue_place": (
        "Du er nummer {place} i køen. Har ingen taget chatten inden for {minutes} min., "
        "tilbyder vi at ringe dig op."
    ),
    "error": "Beklager, der skete en fejl. Prøv igen om lidt.",
}
"""The chat's own words: its labels, notices and what happens around a hand-off."""

DYNAMIC_PROMPTS = frozenset(
    {
        "confirm",
        "choose",
        "choose_keys",
        "closed",
        "callback_confirm",
        "callback_confirm_number",
        "callback_bad_number",
        "also",
    }
)
"""Prompts whose text depends on the call or the time: rendered when needed, not in advance."""

OPEN_NOW = {
    True: "Lige nu har vi åbent.",
    False: "Lige nu har vi lukket, og vi åbner igen {next_opening}.",
}
"""Filled into answers that use `{open_now}`."""


def menu_choices(labels: list[str]) -> str:
    """The keypad choices, e.g. "Tryk 1 for sundhed og omsorg, 2 for kørekort"."""
    items = [f"{n} for {label}" for n, label in enumerate(labels, start=1)]
    return "Tryk " + ", ".join(items)


def say_number(digits: str) -> str:
    """A phone number read back in pairs, as Danes say it: "20 12 34 56"."""
    national = digits[-8:]
    return " ".join(national[i : i + 2] for i in range(0, len(national), 2))
