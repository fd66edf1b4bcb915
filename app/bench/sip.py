"""`voicebot bench sip`: how many trunk calls one SIP edge carries with its RTP on time.

A real `voicebot serve` (embedded Redis, keypad only) in a child process, the edge in this
process on its own event loop, and SIPp placing N calls at once that each send 7 s of A-law
speech and hold for a while. The edge's own pacing histogram says how late packets left; SIPp
is only the far end.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ..config import Settings
from .server import Server, cpu_seconds, free_port, percentile, rss_mb, wait_for

LATE_MS = 20.0
"""A packet a whole frame late: a receiver's jitter buffer hears that as a gap."""
TARGET_P95_MS = 5.0

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="bench call">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:+4512[call_number]@[local_ip]:[local_port]>;tag=[pid]B[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:bench@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=bench 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=ptime:20
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:+4512[call_number]@[local_ip]:[local_port]>;tag=[pid]B[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <nop><action><exec play_pcap_audio="/usr/share/sip-tester/g711a.pcap"/></action></nop>
  <pause milliseconds="HOLD_MS"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:+4512[call_number]@[local_ip]:[local_port]>;tag=[pid]B[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200"/>
</scenario>
"""


def run_sip(levels: list[int], hold_seconds: float, rate: int) -> Iterator[str]:
    """For each N: set-up time, RTP send lateness, CPU and memory of the edge; then the verdict."""
    import logging

    logging.getLogger("app.sip").setLevel(logging.ERROR)  # a line per call is noise here
    if shutil.which("sipp") is None:
        yield "sipp is not installed (Debian: apt install sip-tester)"
        return
    password = secrets.token_hex(16)
    server = Server(
        True,
        threads=max(levels) + 16,
        engine=None,
        extra_env={"ASTERISK_PASSWORD": password, "OPENING_HOURS": "mon-sun 00:00-23:59"},
    )
    work = Path(tempfile.mkdtemp(prefix="vb-bench-sip-"))
    scenario = work / "call.xml"
    scenario.write_text(SCENARIO.replace("HOLD_MS", str(int(hold_seconds * 1000))))
    held = 0
    try:
        worker = server.worker_pid()
        for n in levels:
            line, on_time = _level(server, worker, password, scenario, n, rate)
            yield line
            if on_time:
                held = n
        yield (
            f"largest N held with p95 send lateness <= {TARGET_P95_MS:.0f} ms and no packet "
            f"{LATE_MS:.0f} ms late: {held or 'none'} (of {', '.join(map(str, levels))})"
        )
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def _level(
    server: Server, worker: int, password: str, scenario: Path, n: int, rate: int
) -> tuple[str, bool]:
    from ..channels.sip_edge.server import SipEdge

    port = free_port()
    settings = Settings().with_(
        asterisk_password=password,
        sip_listen=f"127.0.0.1:{port}",
        sip_trusted="127.0.0.1/32",
        sip_bot_url=server.base,
        sip_max_calls=n + 10,
        sip_invites_per_minute=n * 2,
        sip_messages_per_second=max(50, n * 5),
    )
    loop = asyncio.new_event_loop()
    edge = SipEdge(settings)
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(edge.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    me = os.getpid()
    rss_before, cpu_before, bot_before = rss_mb(me), cpu_seconds(me), cpu_seconds(worker)
    peak = 0
    started = time.monotonic()
    sipp = subprocess.Popen(
        ["sipp", f"127.0.0.1:{port}", "-sf", str(scenario), "-m", str(n), "-l", str(n)]
        + ["-r", str(rate), "-i", "127.0.0.1", "-p", str(free_port()), "-mp", str(free_port())]
        + ["-nostdin", "-timeout", "300s"],
        cwd=scenario.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while sipp.poll() is None:
        peak = max(peak, len(edge.calls))
        time.sleep(0.2)
    wall = time.monotonic() - started
    wait_for(lambda: not edge.calls, 30)
    cpu = cpu_seconds(me) - cpu_before
    bot_cpu = cpu_seconds(worker) - bot_before
    rss = rss_mb(me) - rss_before
    asyncio.run_coroutine_threadsafe(edge.stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    pacing = edge.pacing
    setup_ms = sorted(s * 1000 for s in pacing.setup)
    p95 = pacing.percentile(95)
    late = pacing.later_than(LATE_MS)
    failed = sipp.returncode != 0
    line = (
        f"{n} calls ({peak} at once, {len(setup_ms)} answered"
        f"{', SIPp saw failures' if failed else ''}): "
        f"set-up p50 {percentile(setup_ms, 50):.0f} ms, p95 {percentile(setup_ms, 95):.0f} ms; "
        f"RTP send lateness p50 {pacing.percentile(50):.1f} ms, p95 {p95:.1f} ms, "
        f"p99 {pacing.percentile(99):.1f} ms, {late} of {pacing.packets} packets "
        f">{LATE_MS:.0f} ms late; edge CPU {cpu / wall * 100:.0f} % of a core "
        f"({cpu / wall / max(1, peak) * 100:.2f} % per call), edge memory "
        f"+{rss / max(1, n) * 1024:.0f} KB per call; bot CPU {bot_cpu / wall * 100:.0f} %"
    )
    return line, not failed and late == 0 and p95 <= TARGET_P95_MS
