"""Whole conversations through the chat's JSON API: the phone's flow, written and with buttons."""

import json
import time
from datetime import UTC

import pytest

from app.channels.webchat.chat import Chat, ChatStatus
from app.outcomes.callbacks import CallbackStore
from app.outcomes.kpi.report import add_counters, summarise
from app.outcomes.kpi.store import KpiStore
from tests.chat_app import CLOSED, Citizen
from tests.conftest import OPEN
from tests.staff_app import log_in


@pytest.fixture
def citizen(chat_app):
    return Citizen(chat_app().test_client())


def test_opening_greets_in_writing_and_offers_a_person(citizen):
    first = citizen.client.post("/chat/api/messages", json={"text": ""})
    assert "Set-Cookie" not in first.headers  # no cookies: the page keeps the session id
    reply = citizen.open()
    assert reply["messages"][0]["text"].startswith("Hej, du skriver med Høje-Taastrup Kommune")
    assert "tryk" not in " ".join(citizen.texts()).lower()
    assert citizen.choices() == ["Tal med en medarbejder"]
    assert reply["status"] == "bot" and reply["ended"] is False


def test_an_answer_comes_with_its_web_text_links_and_the_feedback_question(citizen, redis):
    citizen.open()
    reply = citizen.send("hvordan melder jeg flytning")
    answer = reply["messages"][0]
    assert answer["text"].startswith("Du melder flytning på borger.dk")
    assert "\n- Tidligst 4 uger før" in answer["text"]  # the longer web_answer, not the spoken one
    assert answer["links"] == [
        {
            "title": "Flytning på borger.dk",
            "url": "https://www.borger.dk/bolig-og-flytning/flytning_oversigt",
        }
    ]
    assert reply["messages"][-1]["text"] == "Kan jeg hjælpe med andet?"
    assert citizen.choices() == ["Ja", "Nej"]
    assert reply["feedback"]["question"] == "Fik du svar på dit spørgsmål?"

    thanks = citizen.send(choice="feedback:yes")
    assert citizen.texts(thanks) == ["Tak for dit svar."] and "feedback" not in thanks
    citizen.send(choice="feedback:no")  # a second verdict on the same answer counts nothing
    day = OPEN.astimezone(UTC).date().isoformat()  # the chat's pinned clock
    counts = {k: v for k, v in KpiStore(redis).counters(day).items() if k.startswith("feedback:")}
    assert counts == {"feedback:flytning_adresse:asked": 1, "feedback:flytning_adresse:yes": 1}

    bye = citizen.send(choice="nej tak")
    assert bye["ended"] is True and citizen.choices() == []
    (record,) = KpiStore(redis).records()
    assert (record.channel, record.outcome, record.intents) == ("web", "resolved", ("flytning",))


def test_mente_du_is_answered_with_buttons(citizen):
    citizen.open()
    reply = citizen.send("jeg skal have noget hjælp")  # the matcher is unsure: it asks back
    assert reply["messages"][-1]["text"].startswith("Handler det om")
    assert citizen.choices() == ["Ja", "Nej"]
    reply = citizen.send(choice="nej")
    assert reply["messages"][-1]["text"] == "Undskyld. Skriv det gerne med andre ord."


def test_the_topic_question_offers_each_need_as_a_button(citizen):
    citizen.open()
    reply = citizen.send("hjemmeplejen")  # home care: applying, or a visit already had?
    assert reply["messages"][-1]["text"].startswith("Handler det om")
    assert citizen.choices() == [
        "At søge hjælp i hjemmet",
        "Et besøg fra hjemmeplejen",
        "Tal med en medarbejder",
    ]
    reply = citizen.send(choice="1")
    assert "visitation" in reply["messages"][0]["text"]


def test_two_misunderstandings_bring_the_topics_as_buttons(citizen):
    citizen.open()
    citizen.send("blå elefanter danser tango")
    reply = citizen.send("grønne giraffer spiller skak")
    assert "Vælg et emne herunder" in reply["messages"][-1]["text"]
    labels = citizen.choices()
    assert 2 <= len(labels) <= 6 and labels[-1] == "Tal med en medarbejder"
    picked = citizen.send(choice="1")
    assert picked["messages"], "a topic button is answered like the phone's key 1"


def test_a_person_in_opening_hours_puts_the_chat_in_the_agents_queue(chat_app, redis):
    app = chat_app()
    citizen = Citizen(app.test_client())
    citizen.open()
    reply = citizen.send(choice="0")
    assert reply["status"] == "waiting" and "kø" in reply["messages"][-1]["text"]
    (record,) = KpiStore(redis).records()
    assert (record.channel, record.outcome) == ("web", "transferred")
    waiting = app.extensions["chats"].waiting()
    assert [w["session"] for w in waiting] == [citizen.session]

    citizen.send("hallo er der nogen")  # while waiting: kept for the agent, not answered
    assert citizen.texts() == []
    assert app.extensions["chats"].take(citizen.session, "anne", "Anne")
    assert citizen.texts(citizen.poll()) == ["Du skriver nu med Anne."]
    assert app.extensions["chats"].agent_says(citizen.session, "anne", "Hej, hvad kan jeg gøre?")
    assert citizen.texts(citizen.poll()) == ["Hej, hvad kan jeg gøre?"]
    assert app.extensions["chats"].agent_says(citizen.session, "anne", "Er dit cpr 010203/1234?")
    assert citizen.texts(citizen.poll()) == ["Er dit cpr [CPR]?"]  # agents' words are redacted
    assert "1234" not in redis.get(f"chat:{citizen.session}").decode()
    assert not app.extensions["chats"].agent_says(citizen.session, "anne2", "Det er mig")
    assert app.extensions["chats"].agent_closes(citizen.session, "anne")
    assert citizen.poll()["ended"] is True
    assert KpiStore(redis).records()[0].queue_result == "answered"


def test_nobody_takes_the_chat_so_a_callback_or_the_contact_form_is_offered(chat_app, redis):
    app = chat_app(chat_agent_wait_seconds=0, chat_contact_url="https://kommune.example.dk/kontakt")
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send("jeg skal forny mit kørekort")
    citizen.send(choice="nej tak")  # no more questions? it ends resolved: ask for a person anew
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send(choice="0")
    reply = citizen.poll()
    assert reply["status"] == "callback"
    assert reply["messages"][0]["links"] == [
        {"title": "Skriv til kommunen", "url": "https://kommune.example.dk/kontakt"}
    ]
    assert citizen.choices() == ["Bliv ringet op"]
    citizen.send(choice="callback")
    assert citizen.texts() == ["Skriv det telefonnummer, vi skal ringe til."]
    assert citizen.send("det er 2012 345")["messages"][-1]["text"].startswith("Det nummer kunne")
    done = citizen.send("20 12 34 56")
    assert done["ended"] is True
    (request,) = CallbackStore(redis).open_requests()
    assert request.number == "20123456"
    records = {r.call_id: r for r in KpiStore(redis).records()}
    assert records[request.id].queue_result == "abandoned_in_queue"


def test_closed_hours_offer_the_phones_callback_written(chat_app, redis):
    citizen = Citizen(chat_app(at=CLOSED).test_client())
    reply = citizen.open()
    assert "lukket" in reply["messages"][0]["text"]
    assert citizen.choices() == ["Bliv ringet op"]
    reply = citizen.send(choice="0")
    assert citizen.choices() == ["Ja", "Nej"]
    citizen.send(choice="ja")
    assert citizen.texts() == ["Skriv det telefonnummer, vi skal ringe til."]
    reply = citizen.send("mit nummer er 20 12 34 56")
    assert "20 12 34 56" in reply["messages"][-1]["text"] and citizen.choices() == ["Ja", "Nej"]
    chat = json.loads(redis.get(f"chat:{citizen.session}"))
    assert all("20 12 34 56" not in m["text"] for m in chat["messages"])  # shown, kept masked
    assert citizen.send(choice="ja")["ended"] is True
    stored = redis.get(f"chat:{citizen.session}").decode()
    assert "20 12 34 56" not in stored and "20123456" not in stored  # gone with the request
    (request,) = CallbackStore(redis).open_requests()
    assert request.number == "20123456"


def test_an_unknown_or_expired_session_starts_anew_with_a_note(chat_app, redis):
    app = chat_app(chat_idle_seconds=1)
    moment = [time.time()]
    app.extensions["chats"].now = lambda: moment[0]
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send("hvad koster et pas")
    old = citizen.session
    moment[0] += 1.2  # past the idle time, without waiting for it
    reply = citizen.send("hej igen")
    assert reply["session"] != old
    assert (
        reply["messages"][0]["text"] == "Din tidligere samtale er afsluttet, så vi begynder forfra."
    )
    stranger = Citizen(app.test_client())
    stranger.session = "A" * 24
    assert stranger.send("hej")["messages"][0]["text"].startswith("Din tidligere samtale")
    ended = {r.call_id: r for r in KpiStore(redis).records()}
    assert len(ended) == 1  # the idle chat ended and was recorded once


def test_idle_chats_are_ended_by_the_sweep_as_a_silent_call(chat_app, redis):
    app = chat_app(chat_idle_seconds=600)
    citizen = Citizen(app.test_client())
    citizen.open()
    chats = app.extensions["chats"]
    assert chats.sweep(now=time.time() + 601) == 1
    (record,) = KpiStore(redis).records()
    assert (record.channel, record.outcome) == ("web", "no_input")
    assert chats.sweep(now=time.time() + 1200) == 0


@pytest.mark.parametrize(
    "body, status, message",
    [
        ("not json", 400, "the body must be a JSON object"),
        ([1, 2], 400, "the body must be a JSON object"),
        ({"text": "hej", "extra": 1}, 400, "unknown field(s): extra"),
        ({}, 400, "send either 'text' or 'choice'"),
        ({"text": "hej", "choice": "ja"}, 400, "send either 'text' or 'choice'"),
        ({"text": 5}, 400, "'text' and 'choice' must be text"),
        ({"text": "x" * 501}, 400, "Beskeden er for lang. Skriv højst 500 tegn."),
        ({"text": "hej", "session": "../../etc"}, 400, "'session' is not a session id"),
        ({"text": "hej", "session": 7}, 400, "'session' is not a session id"),
        ({"choice": "feedback:maybe"}, 400, "feedback must be feedback:yes or feedback:no"),
    ],
)
def test_bad_input_is_a_400_with_a_message(chat_app, body, status, message):
    client = chat_app().test_client()
    if isinstance(body, str):
        r = client.post("/chat/api/messages", data=body, content_type="application/json")
    else:
        r = client.post("/chat/api/messages", json=body)
    assert r.status_code == status and r.get_json() == {"error": message}


def test_poll_errors_are_clear(chat_app):
    client = chat_app().test_client()
    assert client.get("/chat/api/messages?session=x&after=0").status_code == 400
    assert client.get(f"/chat/api/messages?session={'B' * 24}&after=0").status_code == 404
    assert client.get(f"/chat/api/messages?session={'B' * 24}&after=x").status_code == 400


def test_messages_are_rate_limited_per_session(chat_app):
    citizen = Citizen(chat_app(chat_messages_per_minute=3).test_client())
    citizen.open()
    for _ in range(3):
        citizen.send("hej")
    assert citizen.send("hej", expect=429)["error"] == (
        "Du har sendt mange beskeder på kort tid. Vent et øjeblik, og prøv igen."
    )


def test_a_forged_long_session_is_refused_before_it_names_a_key(chat_app, redis):
    client = chat_app().test_client()
    before = redis.info("memory")["used_memory"]
    for n in range(30):
        body = {"text": "hej", "session": f"{n}" + "A" * 60_000}
        assert client.post("/chat/api/messages", json=body).status_code == 400
    assert not list(redis.scan_iter("chat:rate:s:*"))
    assert redis.info("memory")["used_memory"] - before < 200_000  # not 30 x 60 KB


def test_a_chat_ends_at_its_message_cap_and_polls_are_bounded(chat_app, redis, monkeypatch):
    from app.channels.webchat import chats

    monkeypatch.setattr(chats, "MAX_MESSAGES", 12)
    monkeypatch.setattr(chats, "MAX_REPLY_MESSAGES", 4)
    citizen = Citizen(chat_app(chat_messages_per_minute=1000).test_client())
    citizen.open()
    while not citizen.last["ended"]:
        citizen.send("hvad koster et pas")
        assert len(citizen.last["messages"]) <= 4
    assert citizen.texts()[-1].startswith("Samtalen er blevet meget lang")
    for _ in range(5):
        citizen.send("hej igen")
    stored = app_chat(citizen, redis)
    assert len(stored["messages"]) <= 12 + 6  # the cap, the exchange that reached it, a notice
    (record,) = KpiStore(redis).records()
    assert record.channel == "web"
    seen, after = [], 0
    while True:
        r = citizen.client.get(f"/chat/api/messages?session={citizen.session}&after={after}")
        page = r.get_json()
        assert len(page["messages"]) <= 4
        if not page["messages"]:
            break
        seen += [m["seq"] for m in page["messages"]]
        after = page["seq"]
    assert seen == list(range(1, len(stored["messages"]) + 1))


def test_a_chat_is_kept_a_day_from_its_start_not_from_its_last_message(chat_app, redis):
    citizen = Citizen(chat_app().test_client())
    citizen.open()
    key = f"chat:{citizen.session}"
    stored = json.loads(redis.get(key))
    redis.set(key, json.dumps({**stored, "started": time.time() - 23 * 3600}))
    citizen.send("hej")
    assert 0 < redis.ttl(key) <= 3600


def app_chat(citizen, redis):
    return json.loads(redis.get(f"chat:{citizen.session}"))


def test_personal_numbers_are_redacted_before_they_are_stored(chat_app, redis):
    app = chat_app()
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send("mit cpr er 010203-1234 og mit nummer 20 12 34 56")
    chat = app.extensions["chats"].load(citizen.session)
    stored = [m["text"] for m in chat.messages if m["from"] == "citizen"]
    assert stored and "010203" not in stored[0] and "20 12 34 56" not in stored[0]
    for key in redis.scan_iter("chat:*"):
        if redis.type(key) == b"string":
            raw = redis.get(key).decode()
            assert "1234" not in raw and "20 12 34 56" not in raw


def test_kpi_report_counts_both_channels_and_the_feedback(chat_app, redis):
    app = chat_app()
    for verdict in ("no", "yes", None):
        citizen = Citizen(app.test_client())
        citizen.open()
        citizen.send("hvordan melder jeg flytning")
        if verdict:
            citizen.send(choice=f"feedback:{verdict}")
        citizen.send(choice="nej tak")
    day = OPEN.astimezone(UTC).date().isoformat()  # the chat's pinned clock
    summary = add_counters(summarise(KpiStore(redis).records()), [KpiStore(redis).counters(day)])
    report = summary.as_dict()
    assert report["channels"]["web"]["calls"] == 3
    row = report["feedback"]["flytning_adresse"]
    assert (row["asked"], row["yes"], row["no"]) == (3, 1, 1)
    assert row["answer_rate"] == pytest.approx(2 / 3) and row["yes_share"] == 0.5


def test_missed_chat_messages_reach_the_review_marked_as_chat(chat_app, redis):
    app = chat_app()
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send("kan i hjælpe med min kanin 20 12 34 56")
    app.extensions["chats"].sweep(now=time.time() + 3600)  # the citizen left: the chat ends
    services = app.extensions["voicebot"]
    (item,) = services.review().items()
    assert item.channels == ["web"] and "20 12 34 56" not in item.text
    client = app.test_client()
    log_in(client)
    page = client.get("/admin/review").get_data(as_text=True)
    assert "· chat" in page


def test_the_admin_dashboard_shows_both_channels_and_the_feedback(chat_app, redis):
    app = chat_app()
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send("hvordan melder jeg flytning")
    citizen.send(choice="feedback:yes")
    citizen.send(choice="nej tak")
    client = app.test_client()
    log_in(client)
    page = client.get("/admin/?since=2026-11-01&until=2026-11-30").get_data(as_text=True)
    assert "Chat på hjemmesiden" in page and "Fik borgeren svar?" in page
    assert "Flytning og adresse" in page


def test_kpi_report_cli_shows_one_channel_or_both(chat_app, redis_url, tmp_path):
    import json
    import os
    import subprocess
    import sys

    app = chat_app()
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send("hvordan melder jeg flytning")
    citizen.send(choice="nej tak")

    def report(*args):
        env = {**os.environ, "REDIS_URL": redis_url, "DATA_DIR": str(tmp_path / "cli")}
        done = subprocess.run(
            [sys.executable, "-m", "app", "kpi", "report", "--format", "json", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    both = report()
    assert both["channels"]["web"]["calls"] == 1 and both["total"]["calls"] == 1
    assert report("--channel", "phone")["total"]["calls"] == 0
    assert report("--channel", "web")["feedback"]["flytning_adresse"]["asked"] == 1


def test_a_chat_left_waiting_leaves_the_agents_queue_in_time(chat_app, redis):
    app = chat_app(chat_idle_seconds=600, chat_agent_wait_seconds=180)
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send(choice="0")  # waiting, then the citizen closes the page: no poll ever comes
    chats = app.extensions["chats"]
    assert chats.sweep(now=time.time() + 500) == 0 and len(chats.waiting()) == 1
    assert chats.sweep(now=time.time() + 800) == 1
    assert chats.waiting() == []
    (record,) = KpiStore(redis).records()
    assert (record.outcome, record.queue_result) == ("transferred", "abandoned_in_queue")
    assert chats.load(citizen.session).status == "ended"


def test_the_host_header_never_makes_a_site_our_own(chat_app):
    client = chat_app().test_client()
    forged = {"Origin": "https://evil.example", "Host": "evil.example"}
    refused = client.post("/chat/api/messages", json={"text": "hej"}, headers=forged)
    assert refused.status_code == 403
    own = {"Origin": "https://voicebot.example.dk"}  # PUBLIC_BASE_URL's
    assert client.post("/chat/api/messages", json={"text": "hej"}, headers=own).status_code == 200


def test_the_nej_button_after_an_answer_is_goodbye_but_a_typed_nej_is_not_it(chat_app, redis):
    citizen = Citizen(chat_app().test_client())
    citizen.open()
    citizen.send("hvordan melder jeg flytning")
    assert {c["label"]: c["value"] for c in citizen.last["choices"]}["Nej"] == "nej tak"
    reply = citizen.send("nej det var ikke det")
    assert reply["messages"][-1]["text"].startswith("Undskyld. Vil du skrive det på en anden måde")
    citizen.send("farvel")
    (record,) = KpiStore(redis).records()
    assert (record.outcome, record.reason) == ("abandoned", "rejected_answer")
    (item,) = chat_app_review(redis)
    assert item.reasons == ["rejected_answer"] and item.guess == "flytning"


def test_a_thumbs_down_is_a_rejected_answer_reaching_review(chat_app, redis):
    citizen = Citizen(chat_app().test_client())
    citizen.open()
    citizen.send("hvordan melder jeg flytning")
    reply = citizen.send(choice="feedback:no")
    assert citizen.texts(reply)[-1].startswith("Undskyld. Vil du skrive det på en anden måde")
    assert citizen.choices() == ["Tal med en medarbejder"]
    citizen.send("farvel")
    (record,) = KpiStore(redis).records()
    assert record.outcome != "resolved" and record.reason == "rejected_answer"
    (item,) = chat_app_review(redis)
    assert "flytning" in item.text and item.reasons == ["rejected_answer"]


def test_an_emergency_in_the_chat_says_112_in_figures(chat_app):
    citizen = Citizen(chat_app().test_client())
    citizen.open()
    reply = citizen.send("min far er faldet og kan ikke rejse sig")
    assert reply["messages"][0]["text"] == "Ring 112, hvis det haster."
    assert reply["status"] == "waiting"


def chat_app_review(redis):
    from app.outcomes.review.store import ReviewStore

    return ReviewStore(redis, 30, str).items()


def test_in_the_chat_a_follow_up_belongs_to_the_answer_and_meta_talk_is_answered(chat_app):
    citizen = Citizen(chat_app().test_client())
    citizen.open()
    assert citizen.texts(citizen.send("er du en robot"))[0].startswith("Ja, jeg er en automatisk")
    citizen.send("jeg skal have et nyt pas")
    assert (
        citizen.texts(citizen.send("hvad koster det"))[0] == "Prisen på et pas står på borger.dk."
    )
    english = citizen.send("hello do you speak english")
    assert citizen.texts(english)[0].startswith("Sorry, I can only help in Danish.")
    assert citizen.choices() == ["Ja", "Nej"]


def test_in_the_chat_closed_english_is_told_when_to_write_again_in_english(chat_app):
    citizen = Citizen(chat_app(at=CLOSED).test_client())
    citizen.open()
    english = citizen.send("hello do you speak english")
    assert citizen.texts(english) == [
        "Sorry, I can only help in Danish, and our contact centre is closed now. Please write "
        "again when we are open."
    ]
    assert citizen.choices() == ["Bliv ringet op"]  # the Danish callback stays one click away


def test_in_the_chat_a_case_question_goes_to_the_queue_at_once(chat_app):
    citizen = Citizen(chat_app().test_client())
    citizen.open()
    reply = citizen.send("hvor langt er min sag om byggetilladelse")
    assert reply["status"] == "waiting"


def test_a_request_that_outlived_its_chat_lock_never_frees_the_next_holders(chat_app, redis):
    app = chat_app()
    citizen = Citizen(app.test_client())
    citizen.open()
    chats, key = app.extensions["chats"], f"chat:lock:{citizen.session}"
    with chats._locked(citizen.session) as chat:
        redis.set(key, "the-next-holder")  # ours ran out (LOCK_MS) and another request took it
        chats._save(chat)
    assert redis.get(key) == b"the-next-holder"
    redis.delete(key)
    with chats._locked(citizen.session):
        pass
    assert not redis.exists(key)  # our own lock is freed


def test_the_feedback_question_is_never_asked_after_not_understanding(chat_app):
    citizen = Citizen(chat_app().test_client())
    citizen.open()
    assert "feedback" in citizen.send("hvordan melder jeg flytning")
    assert "feedback" not in citizen.send("bla bla bla")


def test_in_the_chat_fillers_wait_and_nej_men_goes_on(chat_app):
    citizen = Citizen(chat_app().test_client())
    citizen.open()
    assert citizen.texts(citizen.send("øh")) == []  # waited for, no try used
    citizen.send("jeg skal have noget hjælp")  # asked back
    reply = citizen.send("nej men jeg har mistet mit sundhedskort")
    assert "sundhedskort" in citizen.texts(reply)[0]


def test_in_the_chat_closed_ring_mig_op_is_the_callback_and_a_no_asks_the_number_again(
    chat_app, redis
):
    citizen = Citizen(chat_app(at=CLOSED).test_client())
    citizen.open()
    citizen.send("jeg skal forny mit kørekort")
    assert "ringer dig op" in citizen.texts(citizen.send("ring mig op"))[-1]
    citizen.send(choice="ja")
    citizen.send("20 12 34 56")
    reply = citizen.send(choice="nej")
    assert citizen.texts(reply) == ["Hvilket nummer skal vi ringe til? Skriv det her."]
    reply = citizen.send("nej ring til 22 33 44 56")
    assert "22 33 44 56 om at forny dit kørekort" in citizen.texts(reply)[-1]
    citizen.send(choice="ja")
    (request,) = CallbackStore(redis).open_requests()
    assert (request.number, request.intent) == ("22334456", "koerekort")


def test_the_dashboards_channel_rows_add_up_to_the_total(chat_app, redis):
    import re

    from app.core.call import HungUp
    from app.outcomes.kpi.events import Channel

    app = chat_app()
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send("hvordan melder jeg flytning")
    citizen.send(choice="nej tak")
    services = app.extensions["voicebot"]
    for call_id, channel in (("CA-phone", Channel.PHONE), ("chat-terminal", Channel.TERMINAL)):
        convo = services.conversation(call_id, channel)
        convo.handle(HungUp())
    client = app.test_client()
    log_in(client)
    page = client.get("/admin/?since=2026-11-01&until=2026-11-30").get_data(as_text=True)
    start = page.index('<table id="channels">')
    table = page[start : page.index("</table>", start)]
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', table))
    assert rows == {
        "Telefon": "1",
        "Chat på hjemmesiden": "1",
        "Afprøvning i terminalen (voicebot chat)": "1",
        "I alt": "3",
    }


def test_thanks_as_the_first_message_does_not_end_the_chat(chat_app):
    citizen = Citizen(chat_app().test_client())
    citizen.open()
    reply = citizen.send("tak for hjælpen")
    assert not reply["ended"]
    assert citizen.texts() == ["Selv tak. Er der noget, jeg kan hjælpe dig med?"]


def test_agents_see_a_waiting_chat_once_with_its_words_and_not_after_its_page_is_gone(
    chat_app, redis
):
    from app.channels.webchat.chat import GONE_SECONDS, SEEN_KEY

    app = chat_app()
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send("kan i hjælpe med min kanin")
    citizen.send(choice="0")  # the "Tal med en medarbejder" button
    chats = app.extensions["chats"]
    (waiting,) = chats.waiting()
    assert waiting["written"] == ["kan i hjælpe med min kanin", "Tal med en medarbejder"]
    agent = app.test_client()
    log_in(agent)
    state = agent.get("/agent/state.json").get_json()
    assert [c["session"] for c in state["chats"]] == [citizen.session]
    assert state["handoffs"] == []  # not a second time as a phone hand-off with no number

    redis.zadd(SEEN_KEY, {citizen.session: time.time() - GONE_SECONDS - 1})  # the page closed
    assert chats.waiting() == []
    citizen.poll()  # the page is back
    assert [w["session"] for w in chats.waiting()] == [citizen.session]


def test_the_chat_writes_opening_hours_in_figures(chat_app):
    citizen = Citizen(chat_app().test_client())
    citizen.open()
    citizen.send("hvornår har i åbent")
    answer = citizen.texts()[0]
    assert "mandag–onsdag kl. 10–14.30, torsdag kl. 10–17 og fredag kl. 10–13.30" in answer
    assert "klokken" not in answer and "halv" not in answer


def test_a_thumbs_down_when_closed_offers_the_callback_not_a_person(chat_app):
    citizen = Citizen(chat_app(at=CLOSED).test_client())
    citizen.open()
    citizen.send("hvordan melder jeg flytning")
    reply = citizen.send(choice="feedback:no")
    assert citizen.texts(reply)[-1].startswith("Undskyld. Vil du skrive det på en anden måde")
    assert citizen.choices() == ["Bliv ringet op"]


def test_a_waiting_citizen_is_told_their_place_in_the_queue_as_it_moves(chat_app):
    app = chat_app(chat_agent_wait_seconds=300)
    first, second = Citizen(app.test_client()), Citizen(app.test_client())
    for citizen in (first, second):
        citizen.open()
        citizen.send(choice="0")
    assert second.poll()["queue"] == (
        "Du er nummer 2 i køen. Har ingen taget chatten inden for 5 min., "
        "tilbyder vi at ringe dig op."
    )
    assert app.extensions["chats"].take(first.session, "anne", "Anne")
    assert second.poll()["queue"].startswith("Du er nummer 1 i køen.")
    assert "queue" not in first.poll()  # talking with Anne: no queue


def test_the_agent_reads_that_she_took_the_chat_the_citizen_reads_her_name(chat_app):
    app = chat_app()
    citizen = Citizen(app.test_client())
    citizen.open()
    citizen.send(choice="0")
    assert app.extensions["chats"].take(citizen.session, "anna", "Anne Hansen")
    (joined,) = citizen.poll()["messages"]
    assert set(joined) == {"seq", "from", "text"}  # nothing meant for the agent
    assert joined["text"] == "Du skriver nu med Anne Hansen."
    agent = app.test_client()
    log_in(agent)
    seen = agent.get(f"/agent/chats/{citizen.session}/messages.json").get_json()["messages"]
    assert seen[-1]["text"] == "Du har taget chatten. Borgeren kan se dit navn."
    assert not any("Du skriver nu med" in m["text"] for m in seen)


def test_a_stored_chat_reads_back_with_its_status(chat_app, redis):
    citizen = Citizen(chat_app().test_client())
    citizen.open()
    citizen.send(text="jeg vil gerne tale med en medarbejder")
    raw = redis.get(f"chat:{citizen.session}")
    assert json.loads(raw)["status"] == "waiting"
    assert Chat.from_json(citizen.session, raw).status is ChatStatus.WAITING
