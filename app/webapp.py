"""The web app: settings, shared services and blueprints wired into one Flask app."""

from __future__ import annotations

import logging

from flask import Flask, request
from flask_sock import Sock
from redis.exceptions import RedisError

from .channels.twilio.stream import MAX_MESSAGE_BYTES
from .channels.webchat.chats import Chats
from .config import Settings
from .infra.proxies import TrustedProxies, parse_networks
from .infra.serving import ENDPOINT_KEY
from .speech.engines import check_speech
from .wiring import Services

CHAT_SWEEP_SECONDS = 15
"""How often idle chats are looked for and ended (each ends within this of its timeout)."""

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    """Build the web app: settings, shared services, blueprints. The only place that wires things.

    Fails at start-up, with one line, when a setting the phone service needs is missing.
    """
    settings = settings or Settings.from_env()
    settings.check_phone()
    check_speech(settings)
    services = services or Services(settings)
    # Load intents now (a broken set fails here, not on the first call) and render every fixed
    # prompt before the first request, so no caller waits for speech synthesis (~1 s here).
    services.render_prompts(services.flow().fixed_prompts())
    services.on_new_intent_set = lambda flow: services.executor.submit(
        services.render_prompts, flow.fixed_prompts()
    )
    services.follow_intents()  # a promotion on any node is served here within seconds
    _ = services.speech_model  # load the model now; None is logged once and means keypad only
    _ = services.turn_model  # and the end-of-turn model, if TURN_MODEL names one
    services.start_spool_replayer()  # what was kept on disk while Redis was away goes in
    chats = Chats(
        services,
        idle_seconds=settings.chat_idle_seconds,
        agent_wait_seconds=settings.chat_agent_wait_seconds,
        contact_url=settings.chat_contact_url,
    )
    services.run_every("chat-sweeper", CHAT_SWEEP_SECONDS, chats.sweep)

    app = Flask(__name__)
    app.wsgi_app = TrustedProxies(app.wsgi_app, parse_networks(settings.trusted_proxies))
    app.config.from_mapping(
        SECRET_KEY=services.keys.session,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        # Oversized frames up to 16x the protocol's bound are read and ignored (the call goes
        # on); past that the socket layer drops the connection rather than buffer it.
        # Asterisk's websocket_client asks for the `media` subprotocol (Twilio asks for none).
        SOCK_SERVER_OPTIONS={"max_message_size": 16 * MAX_MESSAGE_BYTES, "subprotocols": ["media"]},
    )
    app.extensions["voicebot"] = services
    app.extensions["chats"] = chats
    sock = Sock(app)

    from .channels.asterisk import blueprint as asterisk_blueprint
    from .channels.twilio.views import blueprint
    from .channels.webchat.views import bp as chat_bp
    from .infra.health import bp as health_bp
    from .staff import pages
    from .staff.admin import bp as admin_bp
    from .staff.agents import bp as agents_bp
    from .staff.api import bp as api_bp

    app.register_blueprint(blueprint(sock), url_prefix="/twilio")
    app.register_blueprint(asterisk_blueprint(sock), url_prefix="/asterisk")
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(agents_bp, url_prefix="/agent")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(health_bp)
    app.register_blueprint(chat_bp, url_prefix="/chat")
    app.register_error_handler(RedisError, _store_unavailable)
    app.before_request(_name_the_route)
    pages.register(app)
    return app


def _name_the_route() -> None:
    """The access log shows the route's name (`serving.ENDPOINT_KEY`), never the raw path."""
    request.environ[ENDPOINT_KEY] = request.endpoint or "unrouted"


def _store_unavailable(error: RedisError) -> tuple[str, int]:
    """Staff pages and APIs with Redis away: say so (503), never a stack trace.

    Calls have their own handler in the Twilio blueprint (TwiML that reaches a person).
    """
    log.error("redis unavailable: %s", type(error).__name__)
    return "Tjenesten er midlertidigt utilgængelig. Prøv igen om lidt.\n", 503
