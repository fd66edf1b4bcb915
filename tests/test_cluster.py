"""Two `voicebot serve` nodes and a worker on one Redis, each with its own directories.

Calls' webhooks land on either node, an admin's promotion on one is served by every process
within seconds, and a node told to stop finishes its live call while new calls go elsewhere.
"""

import os
import shutil
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import yaml

from app.bench.server import Child, free_port
from app.intents.versions import IntentVersions
from app.outcomes.kpi.store import KpiStore
from app.outcomes.review.store import ReviewStore
from app.speech.prompts import PromptLibrary
from app.staff.accounts import save_account
from tests.conftest import INTENTS_DIR, seed_data_dir, staff_login, wait_until
from tests.twilio import AUTH_TOKEN, PUBLIC_BASE, TwilioCall

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[1]
PASSWORD = "rigtig-lang-kode-1"
SECRET = "klynge-hemmelighed-" + "x" * 32


@pytest.fixture
def cluster(redis_url, redis, tmp_path, prompt_cache_dir):
    """start("a") → a serving node; start("w", worker=True) → a job worker."""
    accounts = tmp_path / "accounts.yaml"
    save_account(accounts, "anna", PASSWORD, "Anna Admin", "admin")
    started = []

    def start(name, worker=False):
        root = tmp_path / name
        shutil.copytree(INTENTS_DIR.parent, root / "intents")  # a volume seeded from the image
        seed_data_dir(prompt_cache_dir, root / "var")
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "DATA_DIR": str(root / "var"),
            "INTENTS_DIR": str(root / "intents" / "da"),
            "PUBLIC_BASE_URL": PUBLIC_BASE,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "SECRET_KEY": SECRET,
            "ACCOUNTS_FILE": str(accounts),
            "OPENING_HOURS": "mon-sun 00:00-23:59",
            "DRAIN_SECONDS": "60",
            "DRAIN_NOTICE_SECONDS": "6",  # deploy/Caddyfile checks every 5 s
        }
        if worker:
            node = Child(["worker"], env, log=root / "log.txt", root=root)
        else:
            port = free_port()
            command = ["serve", "--host", "127.0.0.1", "--port", str(port), "--threads", "16"]
            node = Child(command, env, port, log=root / "log.txt", root=root)
        started.append(node)
        return node if worker else node.wait_ready()

    yield start
    for node in started:
        node.stop()


@pytest.fixture
def front(tmp_path):
    """deploy/Caddyfile itself, run by Debian's caddy in front of the given nodes (plain http)."""
    started = []

    def start(*nodes):
        port, internal, home = free_port(), free_port(), tmp_path / "caddy"
        home.mkdir()
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_DATA_HOME": str(home),
            "XDG_CONFIG_HOME": str(home),
            "PUBLIC_HOST": f"http://127.0.0.1:{port}",
            "WEB_NODES": " ".join(f"127.0.0.1:{n.port}" for n in nodes),
            "ACME_EMAIL": "drift@example.dk",
            "CADDY_ADMIN": "off",
            "INTERNAL_LISTEN": f"127.0.0.1:{internal}",
        }
        command = ["caddy", "run", "--config", str(ROOT / "deploy" / "Caddyfile")]
        proxy = Child(["--adapter", "caddyfile"], env, port, log=home / "log.txt", command=command)
        proxy.internal = f"http://127.0.0.1:{internal}"  # what `voicebot sip` uses in compose
        started.append(proxy)
        return proxy.wait_ready()

    yield start
    for proxy in started:
        proxy.stop()


def admin_session(node):
    """Logged in as an admin; the session cookie (Secure, as behind TLS) sent by hand."""
    done = staff_login(node.base, "anna", PASSWORD)
    assert done.status_code == 302, done.text
    cookie = {"Cookie": "session=" + done.cookies["session"]}
    page = requests.get(node.base + "/admin/review", headers=cookie, timeout=10).text
    return cookie, page.split('name="csrf" value="')[1].split('"')[0]


def promote_on(node, redis, text):
    item = ReviewStore(redis, 30, str).add(text, "none", None, datetime.now(UTC))
    cookie, csrf = admin_session(node)
    form = {"csrf": csrf, "intent": "pas", "field": "examples", "text": text, "confirmed": "1"}
    done = requests.post(
        f"{node.base}/admin/review/{item}/promote",
        data=form,
        headers=cookie,
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 302


def chat_answer(node, text):
    """What the website chat on `node` answers to `text`."""
    opened = requests.post(node.base + "/chat/api/messages", json={"text": ""}, timeout=10).json()
    reply = requests.post(
        node.base + "/chat/api/messages",
        json={"session": opened["session"], "text": text},
        timeout=10,
    ).json()
    return " ".join(m["text"] for m in reply["messages"])


def test_a_calls_webhooks_may_land_on_either_node(cluster, redis):
    a, b = cluster("a"), cluster("b")
    call = TwilioCall(a.base)
    call.dial()  # /voice on a; the stream stays on a for the whole call
    call.wait_for_prompt("menu_only")  # no speech model here: the keypad menu
    call.press("0")  # a person, please
    call.base = b.base
    doc = call.after_stream()  # Twilio follows <Redirect> through the front: here node b
    assert doc.find("Enqueue") is not None
    call.base = a.base
    assert call.status().ok  # and Twilio's status callback, through the front: node a
    (record,) = [r for r in KpiStore(redis).records() if r.call_id == call.call_sid]
    assert (record.outcome, record.reason) == ("transferred", "requested")


def test_a_promotion_on_one_node_is_understood_everywhere_within_two_seconds(cluster, redis):
    a, b = cluster("a"), cluster("b")
    worker = cluster("w", worker=True)
    phrase = "jeg har tabt min rejsebog i udlandet"
    assert "pas" not in chat_answer(b, phrase).lower()

    promote_on(a, redis, phrase)
    number = IntentVersions(redis).current_number()
    wait_until(lambda: b.readiness()["intents_version"] == number, 2.0)  # the bound
    assert "pas" in chat_answer(b, phrase).lower()
    assert phrase in (b.intents_dir / "pas.yaml").read_text(encoding="utf-8")  # written back
    wait_until(lambda: phrase in (worker.intents_dir / "pas.yaml").read_text(encoding="utf-8"), 5)


def test_a_changed_answer_is_rendered_by_a_worker_on_its_own_directories(cluster, redis):
    a = cluster("a")
    worker = cluster("w", worker=True)
    wait_until(lambda: (worker.root / "intents" / "da" / "pas.yaml").exists(), 5)
    path = a.intents_dir / "pas.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    answer = data["answer"] = "Pas bestilles nu kun med tid i Borgerservice på rådhuset."
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rendered = worker.root / "var" / "prompts" / "da"  # the worker's own DATA_DIR
    prompts = PromptLibrary(rendered, Path("/no-recordings"), None, "da")
    wait_until(lambda: prompts.cached("pas", answer) is not None, 30)


def test_two_promotions_at_once_on_two_nodes_both_land(cluster, redis):
    a, b = cluster("a"), cluster("b")
    said = {a: "mit pas forsvandt i bussen i går", b: "jeg mistede mit pas til koncerten"}
    threads = [threading.Thread(target=promote_on, args=(n, redis, s)) for n, s in said.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latest = IntentVersions(redis).latest().files.intents["pas.yaml"]
    assert all(s in latest for s in said.values())
    for node in said:
        wait_until(
            lambda n=node: all(
                s in (n.intents_dir / "pas.yaml").read_text(encoding="utf-8") for s in said.values()
            ),
            5,
        )


def test_a_stopped_node_finishes_its_live_call_while_the_front_sends_new_ones_on(
    cluster, front, redis
):
    a, b = cluster("a"), cluster("b")
    proxy = front(a, b)
    call = TwilioCall(proxy.base)
    call.dial()  # through the front: a wss upgrade Caddy forwards to one node
    call.wait_for_prompt("menu_only")  # no speech model here: the keypad menu
    (holder,) = [n for n in (a, b) if active_calls(n) == 1]
    other = b if holder is a else a
    holder.process.send_signal(signal.SIGTERM)  # a rolling restart reaches that node
    wait_until(lambda: requests.get(holder.base + "/healthz", timeout=2).status_code == 503, 5)
    started = time.monotonic()
    while not refused(holder):  # out of the front's rotation first, then no longer listening
        assert TwilioCall(proxy.base).post("/twilio/voice").status_code == 200
        assert time.monotonic() - started < 15
    for _ in range(4):  # new calls and webhooks: the front sends them to the node left
        assert TwilioCall(proxy.base).post("/twilio/voice").status_code == 200
    call.press("0")  # the live call goes on, on the stopping node
    assert call.after_stream().find("Enqueue") is not None
    (record,) = [r for r in KpiStore(redis).records() if r.call_id == call.call_sid]
    assert record.outcome == "transferred"
    assert holder.process.wait(30) == 0  # and the node leaves once its call has ended
    assert other.process.poll() is None


def active_calls(node):
    metrics = requests.get(node.base + "/metrics", timeout=5).text
    return int(metrics.split("\nvoicebot_active_calls ")[1].split()[0])


def test_a_whole_call_through_the_front(cluster, front, redis):
    proxy = front(cluster("a"), cluster("b"))
    call = TwilioCall(proxy.base)
    call.dial()
    call.wait_for_prompt("menu_only")
    call.press("0")
    assert call.after_stream().find("Enqueue") is not None
    assert call.status().ok
    assert requests.get(proxy.base + "/readyz", timeout=5).json()["intents_version"] == 1
    assert requests.get(proxy.internal + "/readyz", timeout=5).json()["intents_version"] == 1


def refused(node):
    try:
        requests.get(node.base + "/healthz", timeout=1)
    except requests.ConnectionError:
        return True
    return False


class FromAddress(requests.adapters.HTTPAdapter):
    """Requests sent from one loopback address: a host of its own, as the front sees it."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def host(address):
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def log_in_from(session, base, user, password, headers=None):
    return staff_login(base, user, password, session, headers).status_code


def test_behind_the_front_wrong_logins_lock_out_their_own_host_only(cluster, front):
    node = cluster("a")
    proxy = front(node)
    guesser, colleague = host("127.0.0.2"), host("127.0.0.3")
    for n in range(20):
        assert log_in_from(guesser, proxy.base, f"gæt{n}", "forkert-kode-123") == 401
    assert log_in_from(guesser, proxy.base, "anna", PASSWORD) == 429
    assert log_in_from(colleague, proxy.base, "anna", PASSWORD) == 302


def test_a_client_that_is_not_the_front_cannot_name_its_own_address(cluster):
    node = cluster("a")
    spoofer = host("127.0.0.4")
    for n in range(20):
        forged = {"X-Forwarded-For": f"127.0.9.{n}"}
        assert log_in_from(spoofer, node.base, f"gæt{n}", "forkert-kode-123", forged) == 401
    assert log_in_from(spoofer, node.base, "anna", PASSWORD, {"X-Forwarded-For": "10.1.1.1"}) == 429


def test_the_access_log_names_the_route_never_the_path_a_client_wrote(cluster):
    node = cluster("a")
    forged = "/chat/%0a2026-12-06%2010:00:00%20ERROR%20app%20forged%20line"
    for path in (forged, "/chat/010203-1234/x", "/chat/"):
        requests.get(node.base + path, timeout=5)
    log = node.log
    wait_until(lambda: '"GET webchat.page"' in log.read_text(), 5)
    text = log.read_text()
    assert "forged" not in text and "010203" not in text
    assert '"GET unrouted" 404' in text


def test_metrics_are_not_public_through_the_front_but_internal_listeners_have_them(cluster, front):
    proxy = front(cluster("a"))
    assert requests.get(proxy.base + "/metrics", timeout=5).status_code == 404
    internal = requests.get(proxy.internal + "/metrics", timeout=5)
    assert internal.status_code == 200 and "voicebot_active_calls" in internal.text
