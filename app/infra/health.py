"""Liveness, readiness and Prometheus metrics for operations."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import FailedJobRegistry

from ..jobs.queue import QUEUE_NAME, WORKER_STALE_SECONDS
from ..speech.engines import model_path

bp = Blueprint("health", __name__)


def _services() -> Any:
    return current_app.extensions["voicebot"]


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers, and takes new requests (503 while it drains for a restart)."""
    if _services().draining.is_set():
        return Response("draining\n", 503, mimetype="text/plain")
    return Response("ok\n", mimetype="text/plain")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready for calls: Redis answers, an intent set is loaded, the model loaded if one is set."""
    svc = _services()
    checks: dict[str, bool] = {}
    try:
        checks["redis"] = bool(svc.redis.ping())
        checks["worker"] = _worker_age(svc.redis) <= WORKER_STALE_SECONDS
    except RedisError:
        checks["redis"] = checks["worker"] = False
    checks["intents"] = bool(svc.library.current().intents)
    checks["serving"] = not svc.draining.is_set()
    model, path = svc.speech_model, model_path(svc.settings)
    checks["speech_model"] = path is None or model is not None
    speech = {
        "engine": svc.settings.stt_engine if model is not None else "keypad",
        "turn_model": svc.turn_model.name if svc.turn_model is not None else None,
        "model": path and Path(path).name,
        "load_seconds": round(svc.speech_load_seconds, 2),
    }
    body = {**checks, "speech": speech, "intents_version": svc.library.number}
    return jsonify(body), 200 if all(checks.values()) else 503


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text format: totals from Redis, live figures from this process."""
    svc = _services()
    engine = svc.settings.stt_engine
    lines = [
        "# HELP voicebot_active_calls Calls on this process's media streams now.",
        "# TYPE voicebot_active_calls gauge",
        f"voicebot_active_calls {svc.live.active}",
        "# HELP voicebot_recognizer_seconds Time to the final transcript after a turn ended.",
        "# TYPE voicebot_recognizer_seconds summary",
        f'voicebot_recognizer_seconds_count{{engine="{engine}"}} {svc.live.recognitions}',
        f'voicebot_recognizer_seconds_sum{{engine="{engine}"}} {svc.live.recognition_seconds:.6f}',
        "# HELP voicebot_early_turns_total Turns ended on the short pause (already complete).",
        "# TYPE voicebot_early_turns_total counter",
        f"voicebot_early_turns_total {svc.live.early_turns}",
        "# HELP voicebot_enqueue_failures_total Jobs this process could not queue (spooled).",
        "# TYPE voicebot_enqueue_failures_total counter",
        f"voicebot_enqueue_failures_total {svc.live.enqueue_failures}",
        *_encoder_lines(svc.speech_model, engine),
        *_turn_model_lines(svc.turn_model),
    ]
    try:
        totals = _totals(svc.redis)
        failed = FailedJobRegistry(queue=Queue(QUEUE_NAME, connection=svc.redis)).count
        worker_age = _worker_age(svc.redis)
    except RedisError:
        return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
    lines += _family("voicebot_calls_total", "Calls by outcome.", "outcome", totals, "outcome:")
    lines += _family(
        "voicebot_transfers_total", "Transfers by reason.", "reason", totals, "reason:"
    )
    lines += _family(
        "voicebot_transfers_by_queue_total", "Transfers by queue.", "queue", totals, "queue:"
    )
    lines += _family(
        "voicebot_callbacks_total", "Callback requests.", "state", totals, "callbacks:"
    )
    lines += [
        "# HELP voicebot_job_failures Background jobs that failed (kept for inspection).",
        "# TYPE voicebot_job_failures gauge",
        f"voicebot_job_failures {failed}",
        "# HELP voicebot_worker_heartbeat_age_seconds Since the freshest worker heartbeat.",
        "# TYPE voicebot_worker_heartbeat_age_seconds gauge",
        f"voicebot_worker_heartbeat_age_seconds {min(worker_age, 1e9):.1f}",
        "# HELP voicebot_spool_pending Outcomes and callbacks kept on disk while Redis was away.",
        "# TYPE voicebot_spool_pending gauge",
        f"voicebot_spool_pending {svc.spool.pending()}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")


def _encoder_lines(model: Any, engine: str) -> list[str]:
    """Turn-based engines' own decode time (their queue shows as the gap to recognizer_seconds)."""
    if not hasattr(model, "encode_seconds"):
        return []
    return [
        "# HELP voicebot_decode_seconds Model time per encoding (chunks and whole turns).",
        "# TYPE voicebot_decode_seconds summary",
        f'voicebot_decode_seconds_count{{engine="{engine}"}} {model.encodings}',
        f'voicebot_decode_seconds_sum{{engine="{engine}"}} {model.encode_seconds:.6f}',
    ]


def _turn_model_lines(model: Any) -> list[str]:
    """How often the end-of-turn model was asked, and its time."""
    if model is None:
        return []
    return [
        "# HELP voicebot_turn_model_seconds Time to judge whether a caller has finished.",
        "# TYPE voicebot_turn_model_seconds summary",
        f"voicebot_turn_model_seconds_count {model.judged}",
        f"voicebot_turn_model_seconds_sum {model.seconds:.6f}",
    ]


def _worker_age(redis: Any) -> float:
    """Seconds since any RQ worker's last heartbeat (infinite when none is registered)."""
    now = datetime.now(UTC)
    beats = [w.last_heartbeat for w in Worker.all(connection=redis) if w.last_heartbeat]
    return min(
        ((now - b.replace(tzinfo=b.tzinfo or UTC)).total_seconds() for b in beats),
        default=float("inf"),
    )


def _totals(redis: Any) -> Counter[str]:
    totals: Counter[str] = Counter()
    for key in redis.scan_iter(match="kpi:counters:*", count=500):
        for field, value in redis.hgetall(key).items():
            totals[field.decode()] += int(value)
    return totals


def _family(name: str, help_text: str, label: str, totals: Counter[str], prefix: str) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
    for field, value in sorted(totals.items()):
        if field.startswith(prefix) and field.count(":") == prefix.count(":"):
            lines.append(f'{name}{{{label}="{field[len(prefix) :]}"}} {value}')
    return lines
