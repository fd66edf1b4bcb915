"""`voicebot sip` between SIPp (a trunk's caller) and a real `voicebot serve`, on 127.0.0.1 only."""

import asyncio
import socket
import struct
import subprocess
from datetime import datetime

import pytest

from app.bench.server import free_port
from app.channels.sip_edge.admission import InviteLimit, networks_of, trusted
from app.channels.sip_edge.playout import SILENCE, Outgoing
from app.channels.sip_edge.tcp_limits import ConnectionLimit
from app.outcomes.handoff import HandoffStore
from app.outcomes.kpi.store import KpiStore
from tests.channels.sip_edge.conftest import sipp, sipp_command
from tests.conftest import wait_until

pytestmark = pytest.mark.slow


def seconds_between(messages, first, then):
    """Seconds from the first message starting with `first` to the next starting with `then`.

    SIPp's message log heads every message with a line of dashes and its time.
    """
    stamps, current = {}, None
    for line in messages.splitlines():
        if line.startswith("-----"):
            current = datetime.fromisoformat(line.strip("- "))
        for start in (first, then):
            if line.startswith(start) and start not in stamps:
                stamps[start] = current
    return (stamps[then] - stamps[first]).total_seconds()


@pytest.mark.parametrize("transport", ["u1", "t1"])
def test_a_trunk_call_hears_the_bot_presses_0_and_is_referred_to_the_queue(
    edge, redis, tmp_path, transport, agent_port
):
    port, _ = edge
    assert sipp("caller_presses_0.xml", port, tmp_path, transport=transport) == 0  # … REFER, BYE
    messages = next(tmp_path.glob("caller_presses_0_*_messages.log")).read_text()
    assert "m=audio" in messages and "RTP/AVP 8 101" in messages  # PCMA chosen, with events
    answer_port = int(messages.split("SIP/2.0 200 OK")[1].split("m=audio ")[1].split()[0])
    assert 20000 <= answer_port <= 20999 and answer_port % 2 == 0  # SIP_RTP_PORTS
    kpi = KpiStore(redis)
    (record,) = kpi.records()
    assert (record.outcome, record.reason, record.via) == ("transferred", "requested", "sip")
    # to the queue's own address, the hand-off id in the REFER and embedded for the new INVITE
    handoff = record.call_id
    refer_to = f"Refer-To: <sip:borgerservice@127.0.0.1:{agent_port}?X-Voicebot-Handoff={handoff}>"
    assert refer_to in messages and f"X-Voicebot-Handoff: {handoff}" in messages
    assert HandoffStore(redis).load(handoff).queue == "borgerservice"
    # the 0 (4 s after the ACK) cut the greeting; the transfer prompt went out paced in real
    # time before the REFER, which an unpaced edge would send at once
    assert seconds_between(messages, "ACK sip:", "REFER sip:") > 5


def test_when_the_trunk_refuses_refer_the_edge_bridges_the_caller_to_the_queue(
    edge, redis, tmp_path, agent_port
):
    port, log = edge
    agent_dir = tmp_path / "agent"
    agent_dir.mkdir()
    agent = subprocess.Popen(
        sipp_command("agent_answers.xml", local_port=agent_port),
        cwd=agent_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert sipp("caller_refuses_refer.xml", port, tmp_path) == 0  # 603, then BYE at the end
        assert agent.wait(30) == 0  # INVITE with the hand-off header, answered, audio, BYE
    finally:
        agent.kill()
    (record,) = KpiStore(redis).records()
    assert (record.outcome, record.via) == ("transferred", "sip")
    wait_until(lambda: "sip bridge ended" in log.read_text(), 10)
    line = log.read_text().split("sip bridge ended")[1].splitlines()[0]
    frames = dict(part.split("=") for part in line.split() if part.startswith("frames_"))
    assert int(frames["frames_to_agent"]) > 50 and int(frames["frames_to_caller"]) > 50


def test_a_caller_may_put_the_bot_on_hold_and_take_it_off_again(edge, tmp_path):
    assert sipp("caller_holds.xml", edge[0], tmp_path) == 0  # recvonly, then sendrecv, then BYE


def test_a_caller_cancelling_before_the_answer_gets_487_and_never_a_200(edge, tmp_path):
    assert sipp("caller_cancels.xml", edge[0], tmp_path) == 0
    assert sipp("options.xml", edge[0], tmp_path) == 0


def test_a_caller_hanging_up_during_the_greeting_is_abandoned(edge, redis, tmp_path):
    assert sipp("caller_hangs_up.xml", edge[0], tmp_path) == 0  # BYE answered 200
    kpi = KpiStore(redis)
    wait_until(lambda: len(kpi.records()) == 1, 15)
    (record,) = kpi.records()
    assert (record.outcome, record.via) == ("abandoned", "sip")


def test_call_ids_differing_only_in_punctuation_are_two_calls(edge, redis, tmp_path):
    for call_id in ("x-coll1@h", "xcoll1@h"):
        assert sipp("caller_hangs_up.xml", edge[0], tmp_path, more=["-cid_str", call_id]) == 0
    kpi = KpiStore(redis)
    wait_until(lambda: len(kpi.records()) == 2, 15)
    assert len({r.call_id for r in kpi.records()}) == 2


TCP_LIMITS = {"SIP_TCP_PER_ADDRESS": "4", "SIP_TCP_IDLE_SECONDS": "2"}


def still_open(sock):
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True  # nothing to read and not closed
    except OSError:
        return False


@pytest.mark.parametrize("edge_env", [TCP_LIMITS])
def test_idle_tcp_connections_from_a_stranger_cannot_crowd_out_a_trunk(edge, tmp_path):
    port = edge[0]
    strangers = []
    for _ in range(40):
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", port))
        strangers.append(s)
    try:
        wait_until(lambda: sum(still_open(s) for s in strangers) <= 4, 5)
        assert sipp("caller_hangs_up.xml", port, tmp_path, transport="t1") == 0  # a trunk call
        wait_until(lambda: not any(still_open(s) for s in strangers), 5)  # silent: let go
    finally:
        for s in strangers:
            s.close()


def test_sip_call_ids_are_unique_ids_asterisk_accepts_and_never_shared():
    from app.channels.asterisk import CALL_ID
    from app.channels.sip_edge.call import call_uniqueid

    ids = {call_uniqueid(c, t) for c in ("x-coll1@h", "xcoll1@h") for t in ("a", "b")}
    assert len(ids) == 4 and all(CALL_ID.fullmatch(i) for i in ids)
    assert call_uniqueid("x@h", "a") == call_uniqueid("x@h", "a")


def test_connection_limits_count_strangers_per_address_and_in_all():
    limit = ConnectionLimit(lambda a: a.startswith("10."), per_address=2, idle_seconds=30, total=3)
    assert [limit.admit("1.1.1.1") for _ in range(3)] == [True, True, False]
    assert limit.admit("2.2.2.2") and not limit.admit("3.3.3.3")  # three strangers in all
    assert all(limit.admit("10.0.0.1") for _ in range(50))  # a trunk is never refused
    limit.release("1.1.1.1")
    assert limit.admit("3.3.3.3")


def test_malformed_datagrams_leave_the_edge_serving(edge, tmp_path):
    port = edge[0]
    wrong_length = b"INVITE sip:x SIP/2.0\r\nContent-Length: 999\r\n\r\n"
    junk = [b"", b"\x00" * 60_000, b"INVITE", wrong_length]
    junk.append(b"INVITE sip:x SIP/2.0\r\n" + b"X-Long: " + b"a" * 30_000 + b"\r\n\r\n")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for datagram in junk:
            s.sendto(datagram, ("127.0.0.1", port))
    assert sipp("options.xml", port, tmp_path) == 0  # still answering


def invite_with(body: bytes, local_port: int) -> bytes:
    """A well-formed INVITE from 127.0.0.1 carrying `body` as its SDP."""
    head = (
        f"INVITE sip:kommune@127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{local_port};branch=z9hG4bK-sdp-{len(body)}\r\n"
        f"From: <sip:+4512345678@127.0.0.1>;tag=garbage\r\n"
        f"To: <sip:kommune@127.0.0.1>\r\n"
        f"Call-ID: garbage-sdp-{len(body)}@127.0.0.1\r\n"
        f"CSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
        f"Contact: <sip:+4512345678@127.0.0.1:{local_port}>\r\n"
        f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@pytest.mark.parametrize(
    "sdp",
    [
        b"this is not sdp at all",
        b"v=0\r\nm=audio notaport RTP/AVP 8\r\n",
        b"v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n",
        b"v=0\r\nc=IN IP4 127.0.0.1\r\nm=video 4000 RTP/AVP 96\r\n",
        b"\xff\xfe" * 200,
    ],
)
def test_an_invite_with_garbage_or_unusable_sdp_is_refused_and_the_edge_serves_on(
    edge, redis, tmp_path, sdp
):
    port = edge[0]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(5)
        s.sendto(invite_with(sdp, s.getsockname()[1]), ("127.0.0.1", port))
        answers = []
        while not any(a.split()[1].startswith((b"4", b"5")) for a in answers):
            answers.append(s.recv(65536))  # 100 Trying first, then the refusal
    assert not any(b"SIP/2.0 200" in a for a in answers)
    assert KpiStore(redis).records() == []
    assert sipp("options.xml", port, tmp_path) == 0


def test_an_invite_from_an_untrusted_address_is_refused(edge, redis, tmp_path):
    assert sipp("refused.xml", edge[0], tmp_path, source="127.0.0.2") == 0  # 403, ACK
    assert KpiStore(redis).records() == []


TRUNK_USER = {"SIP_USERS": "kommune-trunk:trunk-hemmelighed-7"}


@pytest.mark.parametrize("edge_env", [TRUNK_USER])
def test_an_untrusted_trunk_with_digest_credentials_is_answered(edge, redis, tmp_path):
    credentials = ["-au", "kommune-trunk", "-ap", "trunk-hemmelighed-7"]
    assert sipp("caller_authenticates.xml", edge[0], tmp_path, "127.0.0.2", more=credentials) == 0
    wait_until(lambda: len(KpiStore(redis).records()) == 1, 15)  # the call reached the bot


@pytest.mark.parametrize("edge_env", [TRUNK_USER])
def test_wrong_digest_credentials_are_refused_not_challenged_again(edge, redis, tmp_path):
    credentials = ["-au", "kommune-trunk", "-ap", "gaet-igen"]
    assert sipp("caller_authenticates.xml", edge[0], tmp_path, "127.0.0.2", more=credentials) != 0
    messages = next(tmp_path.glob("caller_authenticates_*_messages.log")).read_text()
    assert "SIP/2.0 401 Unauthorized" in messages and "SIP/2.0 403 Forbidden" in messages
    assert KpiStore(redis).records() == []


REGISTER = {
    "SIP_REGISTER": "sip:voicebot-trunk@127.0.0.1:{agent}",
    "SIP_REGISTER_PASSWORD": "trunk-kode-42",
}


@pytest.fixture
def registrar(tmp_path, agent_port):
    """The trunk's registrar (a SIPp UAS on agent_port), listening before the edge starts."""
    (tmp_path / "registrar").mkdir()
    command = sipp_command("registrar.xml", local_port=agent_port)
    process = subprocess.Popen(command, cwd=tmp_path / "registrar", stdout=subprocess.DEVNULL)
    yield process
    process.kill()


@pytest.mark.parametrize("edge_env", [REGISTER])
def test_the_edge_registers_with_the_trunk_answering_its_challenge(registrar, edge):
    assert registrar.wait(30) == 0  # challenged, answered with the right digest, granted
    wait_until(lambda: "registered with the trunk for 300 s" in edge[1].read_text(), 10)


def test_options_are_answered(edge, tmp_path):
    assert sipp("options.xml", edge[0], tmp_path) == 0


def test_prompts_are_framed_and_their_marks_come_back_once_their_last_frame_has_left():
    out = Outgoing("alaw")
    out.add(b"\x01" * 200)  # a frame and 40 bytes
    out.end_prompt("1:greeting")
    out.add(b"\x02" * 160)
    out.end_prompt("2:ask")
    first, marks = out.next_frame()
    assert (first, marks) == (b"\x01" * 160, [])
    second, marks = out.next_frame()
    assert second == b"\x01" * 40 + SILENCE["alaw"][40:] and marks == ["1:greeting"]
    third, marks = out.next_frame()
    assert third == b"\x02" * 160 and marks == ["2:ask"]
    assert out.next_frame() == (SILENCE["alaw"], [])  # nothing to say: silence, 20 ms apart
    out.add(b"\x03" * 480)
    out.flush()
    assert out.next_frame() == (SILENCE["alaw"], [])


def test_only_configured_networks_are_trusted():
    networks = networks_of("10.0.0.0/8, 192.168.1.10/32")
    assert trusted("10.2.3.4", networks) and trusted("192.168.1.10", networks)
    assert not trusted("192.168.1.11", networks) and not trusted("not an address", networks)


def test_an_address_sending_too_many_invites_is_held_back_for_a_minute():
    limit = InviteLimit(per_minute=3)
    assert [limit.allows("10.0.0.5", t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limit.allows("10.0.0.6", 3)  # another address is counted apart
    assert limit.allows("10.0.0.5", 60.5)  # the first INVITE has left the window


@pytest.mark.parametrize(
    ("listen", "public", "expected"),
    [
        ("0.0.0.0", None, "127.0.0.1"),
        ("127.0.0.1", None, "127.0.0.1"),
        ("0.0.0.0", "198.51.100.7", "198.51.100.7"),
    ],
)
def test_the_sdp_names_an_address_the_caller_can_reach(listen, public, expected):
    from types import SimpleNamespace

    from app.channels.sip_edge.call import SipCall

    edge = SimpleNamespace(host=listen, settings=SimpleNamespace(sip_public_ip=public))
    incoming = SimpleNamespace(
        call_id="1-2@127.0.0.1",
        source_addr=("127.0.0.1", 5070),
        dialog=SimpleNamespace(remote_tag="t"),
    )
    assert SipCall(edge, incoming)._media_address() == expected


def test_one_address_flooding_sip_messages_is_held_to_its_rate():
    from app.channels.sip_edge.admission import MessageLimit

    limit = MessageLimit(per_second=10)
    assert sum(limit.allows("10.0.0.5", 0.0) for _ in range(100)) == 20  # the burst
    assert limit.allows("10.0.0.6", 0.0)  # others are not held back
    assert sum(limit.allows("10.0.0.5", 1.0) for _ in range(100)) == 10  # then the rate


def rtp(seq, timestamp, payload, pt=8, marker=False, version=2):
    """An RTP packet as RFC 3550 lays it out (no CSRCs, no extension)."""
    first = version << 6
    return (
        bytes([first, (marker << 7) | pt]) + struct.pack("!HII", seq, timestamp, 0x5EED) + payload
    )


def key_0(seq, timestamp):
    """RFC 4733 event 0: a start, an update, and the end packet three times, as phones send."""
    packets = [(False, 160), (False, 320), (True, 480), (True, 480), (True, 480)]
    return [
        rtp(seq + i, timestamp, bytes([0, (end << 7) | 10]) + struct.pack("!H", d), 101, i == 0)
        for i, (end, d) in enumerate(packets)
    ]


async def junk_then_key_0(edge_port, refers):
    """A call whose RTP is junk for a while (from its own media port), then a proper key 0."""
    from aiosipua import SipUAC, SipUAS, notify_refer
    from aiosipua.sdp_negotiate import build_sdp

    from app.channels.sip_edge.admission import MessageLimit
    from app.channels.sip_edge.aiosipua_compat import transports

    tcp = ConnectionLimit(lambda address: True, per_address=16, idle_seconds=30)
    udp, _ = transports(("127.0.0.1", free_port()), MessageLimit(1000), tcp)
    uas = SipUAS(udp, uac=SipUAC(udp))
    refer = asyncio.get_running_loop().create_future()
    uas.on_refer = lambda call, to: (refer.set_result(to), notify_refer(call, 200))
    await uas.start()
    media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    media.bind(("127.0.0.1", 0))
    offer = build_sdp("127.0.0.1", media.getsockname()[1], 8, "PCMA")
    edge = ("127.0.0.1", edge_port)
    leg = uas.uac.send_invite("sip:+4512345678@127.0.0.1", f"sip:kommune@{edge[0]}", edge, offer)
    await leg.wait_answered(timeout=10)
    target = leg.sdp_answer.rtp_address
    speech = b"\xd5" * 160
    junk = [b"", b"\x80", b"\x00" * 11, rtp(1, 0, speech, pt=96), rtp(2, 160, speech, version=1)]
    junk += [b"\x8f\x08" + b"\x00" * 14, rtp(3, 320, b"\xd5" * 1400), rtp(4, 480, b"")]
    junk += [rtp(seq, seq * 160, speech) for seq in (100, 50, 99, 10, 65535, 0)]  # disorder
    junk += [rtp(200 + i, (200 + i) * 160, speech) for i in range(300)]  # a 6 s burst at once
    for packet in junk:
        media.sendto(packet, target)
    await asyncio.sleep(2)
    for i in range(100):  # then a second of proper audio, paced
        media.sendto(rtp(600 + i, (600 + i) * 160, speech), target)
        await asyncio.sleep(0.02)
    for packet in key_0(700, 700 * 160):
        media.sendto(packet, target)
        await asyncio.sleep(0.02)
    refers.append(await asyncio.wait_for(refer, 30))
    await asyncio.sleep(1)  # the edge's BYE
    media.close()
    await uas.stop()


def test_junk_rtp_leaves_the_call_understood_and_the_edge_serving(edge, redis, tmp_path):
    port, _ = edge
    refers = []
    asyncio.run(junk_then_key_0(port, refers))
    assert refers and refers[0].startswith("sip:borgerservice@127.0.0.1")
    wait_until(lambda: len(KpiStore(redis).records()) == 1, 10)
    assert KpiStore(redis).records()[0].outcome == "transferred"
    assert sipp("options.xml", port, tmp_path) == 0


def test_rtp_ports_come_from_the_configured_range_even_with_rtcp_free_above():
    from app.channels.sip_edge.rtp_ports import free_rtp_port, rtp_ports_of

    ports = rtp_ports_of("41001-41011")
    assert list(ports) == [41002, 41004, 41006, 41008, 41010]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 41005))  # 41004's RTCP: 41004 cannot be chosen
        chosen = {free_rtp_port("127.0.0.1", ports) for _ in range(40)}
    assert chosen <= {41002, 41006, 41008, 41010} and len(chosen) > 1
    assert rtp_ports_of(None) is None and free_rtp_port("127.0.0.1") % 2 == 0
    for bad in ("30000", "x-y", "80-90", "5000-4000"):
        with pytest.raises(ValueError, match="SIP_RTP_PORTS"):
            rtp_ports_of(bad)


def test_the_callers_number_is_the_asserted_identity_when_the_trunk_gives_one():
    from types import SimpleNamespace

    from app.channels.sip_edge.call import SipCall

    def incoming(**headers):
        invite = SimpleNamespace(get_header=lambda name: headers.get(name))
        dialog = SimpleNamespace(remote_tag="t")
        return SimpleNamespace(
            call_id="c@h", caller="sip:anonymous@trunk.dk", invite=invite, dialog=dialog
        )

    asserted = incoming(**{"p-asserted-identity": '"Borger" <sip:+4543591000@trunk.dk>'})
    assert SipCall(None, asserted).number == "+4543591000"
    assert SipCall(None, incoming()).number == ""  # withheld: the call goes on without it
