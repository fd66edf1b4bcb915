import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from redis import Redis

from app.config import PROJECT_ROOT, Settings
from app.core.flow import Flow
from app.core.hours import OpeningHours
from app.core.matcher import Matcher
from app.infra.redis_server import EmbeddedRedis
from app.intents.catalogue import load_intents
from app.intents.files import IntentFiles

pytest_plugins = ("tests.twilio", "tests.staff_app", "tests.chat_app")
"""Fixtures every test may use, from modules whose helpers are imported by name (no `import *`)."""

CPH = ZoneInfo("Europe/Copenhagen")
INTENTS_DIR = PROJECT_ROOT / "intents" / "da"
OPEN = datetime(2026, 11, 26, 11, 0, tzinfo=CPH)  # a Thursday morning
CLOSED = datetime(2026, 11, 26, 19, 0, tzinfo=CPH)  # the same Thursday evening


TEST_DATABASES = 4096
"""The test Redis's databases: each test takes the next, so a straggler of an earlier test (a
call that ends by time-out, a follower thread, a child process) writes where no later test
reads."""


@pytest.fixture(scope="session")
def redis_server():
    """One real redis-server for the whole run, on a short socket path."""
    directory = Path(tempfile.mkdtemp(prefix="vb-redis-"))
    server = EmbeddedRedis(directory, databases=TEST_DATABASES)
    yield server.start()
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


_next_database = itertools.count(1)


def fresh_database_url(server_url):
    """The URL of an empty database of its own (database 0 is left to nobody)."""
    url = f"{server_url}?db={next(_next_database) % (TEST_DATABASES - 1) + 1}"
    Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def redis_url(redis_server):
    """This test's own database on the shared server."""
    return fresh_database_url(redis_server)


def one_intent_folder(root: Path, pas_yaml: str) -> Path:
    """`root/index.yaml` (the shipped one) and `root/da/pas.yaml`: a set to break one way."""
    (root / "da").mkdir()
    shutil.copy(INTENTS_DIR.parent / "index.yaml", root / "index.yaml")
    (root / "da" / "pas.yaml").write_text(pas_yaml, encoding="utf-8")
    return root / "da"


_STAGED = shutil.ignore_patterns(".*", "*.tmp")
"""What a copy of the shared cache leaves out: a file another process is still writing (a model
staged under a dot name, a prompt as *.tmp, then renamed), gone before copytree reaches it."""


def seed_data_dir(prompt_cache_dir: Path, data_dir: Path) -> None:
    """Copy the run's rendered prompts and fitted models into a server's own `DATA_DIR`, so a
    node or edge the test starts neither renders nor fits them again."""
    for made in ("prompts", "models"):
        if (prompt_cache_dir / made).exists():
            shutil.copytree(prompt_cache_dir / made, data_dir / made, ignore=_STAGED)


@pytest.fixture(scope="session", autouse=True)
def prompt_cache_dir():
    """Rendered prompts and fitted models are shared by every test in the run (they depend only
    on their text)."""
    directory = Path(tempfile.mkdtemp(prefix="vb-data-"))
    models = directory / "models"
    Matcher(load_intents(INTENTS_DIR), Settings().thresholds(), model_cache=models)
    before = os.environ.get("MODEL_CACHE_DIR")
    os.environ["MODEL_CACHE_DIR"] = str(models)  # every server a test starts loads the same fit
    yield directory
    if before is None:
        os.environ.pop("MODEL_CACHE_DIR", None)
    else:
        os.environ["MODEL_CACHE_DIR"] = before
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def redis(redis_url):
    client = Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def settings(redis, redis_url, tmp_path, prompt_cache_dir):
    """Settings on an empty Redis: its intent versions are this test's own; rendered prompts and
    fitted models come from the run's shared caches."""
    return Settings.for_tests(
        redis_url=redis_url,
        data_dir=tmp_path / "var",
        prompt_cache_dir=prompt_cache_dir / "prompts",
        model_cache_dir=prompt_cache_dir / "models",
    )


@pytest.fixture(scope="session", autouse=True)
def shipped_intents_stay_as_committed():
    """No test may write the repository's intents back (tests edit copies)."""
    before = IntentFiles.read(INTENTS_DIR)
    yield
    assert IntentFiles.read(INTENTS_DIR) == before, "a test changed intents/ in the work tree"


@pytest.fixture(scope="session")
def intents():
    return load_intents(INTENTS_DIR)


@pytest.fixture(scope="session")
def matcher(intents):
    return Matcher(intents, Settings().thresholds())


@pytest.fixture(scope="session")
def hours():
    return OpeningHours.from_spec(Settings().opening_hours)


@pytest.fixture
def flow_at(intents, matcher, hours):
    """A flow whose clock stands still at the given time."""

    def make(moment: datetime = OPEN) -> Flow:
        return Flow(intents, matcher, hours, lambda: moment, "Høje-Taastrup Kommune")

    return make


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
"""Debian's Chromium: Playwright is pointed at it and never downloads a browser."""


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core from the npm registry (`make test` runs `npm ci` in tests/browser)."""
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page):
    """axe-core's WCAG 2.1 AA violations on the page as "rule: targets" (open shadow roots too).

    The page's context needs `bypass_csp=True`: axe is injected as an inline script.
    """
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: run `make test` (it installs axe-core from npm)")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)",
        WCAG,
    )


def wait_until(predicate, seconds, what=lambda: ""):
    """Poll until `predicate()` holds; returns the seconds it took, or fails saying `what()`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"not within {seconds} s {what()}".rstrip())


def pytest_terminal_summary(terminalreporter):
    """Print how many generated inputs each fuzz target took (CI shows the counts)."""
    fuzz = sys.modules.get("tests.security.test_fuzz")  # only when the fuzz tests ran
    counts = fuzz.FUZZED if fuzz else {}
    if counts:
        terminalreporter.section("fuzzing")
        for target, count in sorted(counts.items()):
            terminalreporter.write_line(f"{count:6d}  {target}")
        terminalreporter.write_line(f"{sum(counts.values()):6d}  generated inputs in all")


def staff_login(base, user, password, session=None, headers=None):
    """Sign in over plain http as a browser would over https: the form's CSRF token, then the
    post. The session cookie is Secure (PUBLIC_BASE_URL is https), so it is sent by hand."""
    session = session or requests.Session()
    form_page = session.get(base + "/agent/login", headers=headers, timeout=30)
    token = form_page.text.split('name="csrf" value="')[1].split('"')[0]
    return session.post(
        base + "/agent/login",
        data={"username": user, "password": password, "csrf": token},
        headers={**(headers or {}), "Cookie": "session=" + form_page.cookies["session"]},
        allow_redirects=False,
        timeout=30,
    )


@pytest.fixture
def voicebot(redis_url, tmp_path):
    """Run `voicebot …` as an operator does: its own process, on this test's Redis and data.

    Keyword arguments are environment variables for that run (e.g. INTENTS_DIR).
    """
    base = {**os.environ, "REDIS_URL": redis_url, "DATA_DIR": str(tmp_path / "var")}
    base.pop("INTENTS_DIR", None)

    def run(*args, stdin="", **env):
        return subprocess.run(
            [sys.executable, "-m", "app", *args],
            input=stdin,
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run
