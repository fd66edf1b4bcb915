"""Redis goes away: every webhook still answers Twilio, and nothing a caller did is lost."""

import time
from xml.etree import ElementTree

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

from app.core.call import Heard, HungUp, Played, RequestCallback
from app.infra.redis_server import EmbeddedRedis
from app.jobs.queue import QUEUE_NAME
from app.outcomes.callbacks import CallbackStore
from app.outcomes.kpi.events import Channel
from app.webapp import create_app
from app.wiring import Services
from tests.conftest import OPEN
from tests.staff_app import log_in, twilio_post
from tests.twilio import ScriptedModel

CALL = "CA" + "cd" * 16


@pytest.fixture
def own_redis(tmp_path):
    """A Redis this test may stop and start again (the shared one serves everyone else)."""
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    yield server, url
    server.stop()


@pytest.fixture
def outage(own_redis, app_settings):
    server, url = own_redis
    settings = app_settings.with_(redis_url=url)
    services = Services(settings, clock=lambda: OPEN, speech_model=ScriptedModel())
    app = create_app(settings, services)
    yield app.test_client(), services, server
    services.close()


@pytest.mark.parametrize(
    ("path", "form", "query"),
    [
        ("/twilio/voice", {"From": "+4512345678"}, ""),
        ("/twilio/after-stream", {}, ""),
        ("/twilio/whisper", {}, ""),
        ("/twilio/wait", {"QueueTime": "30"}, ""),
        ("/twilio/queue-result", {"QueueResult": "hangup"}, "queue=borgerservice"),
        ("/twilio/queue-result", {"QueueResult": "leave"}, "queue=borgerservice"),
        ("/twilio/callback-offer", {"Digits": "1"}, "queue=borgerservice"),
        ("/twilio/callback-offer", {"Digits": "2"}, "queue=borgerservice"),
    ],
)
def test_every_webhook_answers_twiml_with_redis_down(outage, path, form, query):
    client, _, server = outage
    server.stop()
    response = twilio_post(client, path, {"CallSid": CALL, **form}, query)
    assert response.status_code == 200
    assert ElementTree.fromstring(response.data).tag == "Response"


def test_the_status_callback_is_acknowledged_with_redis_down(outage):
    client, _, server = outage
    server.stop()
    form = {"CallSid": CALL, "CallStatus": "completed"}
    assert twilio_post(client, "/twilio/status", form).status_code == 204


def test_outcomes_and_callbacks_made_while_redis_is_away_land_when_it_returns(outage):
    client, services, server = outage
    convo = services.conversation(CALL, Channel.PHONE)
    convo.handle(Heard("jeg skal forny mit kørekort"))
    convo.handle(Played("koerekort"))
    server.stop()
    convo.handle(HungUp())  # the call ends while Redis is away: its outcome is spooled
    services.request_callback(CALL, RequestCallback(None, "koerekort", "dit kørekort"), "bs")
    assert services.spool.pending() == 2
    with pytest.raises(RedisError):  # still away: nothing is touched
        services.replay_spool()
    assert services.spool.pending() == 2
    server.start()
    deadline = time.monotonic() + 10
    while services.spool.pending() and time.monotonic() < deadline:
        time.sleep(0.1)  # the app's replayer thread writes them once Redis answers
    assert services.spool.pending() == 0
    (record,) = services.kpi.records()
    assert (record.call_id, record.outcome) == (CALL, "resolved")
    job_redis = Redis.from_url(server.url)
    SimpleWorker([Queue(QUEUE_NAME, connection=job_redis)], connection=job_redis).work(burst=True)
    assert CallbackStore(job_redis).get(CALL).about == "dit kørekort"
    assert services.replay_spool() == 0  # replaying again adds nothing
    assert len(services.kpi.records()) == 1


def test_staff_pages_say_the_store_is_away_without_a_stack_trace(outage):
    client, _, server = outage
    assert log_in(client).status_code == 302
    server.stop()
    for path in ("/agent/state.json", "/admin/", "/readyz"):
        response = client.get(path)
        assert response.status_code == 503, path
