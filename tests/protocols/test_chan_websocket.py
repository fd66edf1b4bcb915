"""chan_websocket's control messages, in both the plain-text and the JSON form, from both ends."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.protocols import chan_websocket
from app.protocols.chan_websocket import (
    MAX_MEDIA_MESSAGE,
    BufferingCompleted,
    DtmfEnd,
    FlowControl,
    FlushMedia,
    HangUpChannel,
    MediaStart,
    ProtocolError,
    StartBuffering,
    StopBuffering,
    media_messages,
    parse,
)


def test_media_start_names_the_codec_and_frame_size_in_either_form():
    plain = "MEDIA_START connection_id:e226 channel:WebSocket/voicebot/0x1 format:alaw "
    plain += "optimal_frame_size:160"
    as_json = (
        '{"event": "MEDIA_START", "connection_id": "e226", "channel": "WebSocket/voicebot/0x1",'
        ' "channel_id": "1761245643.1", "format": "alaw", "optimal_frame_size": 160, "ptime": 20}'
    )
    expected = MediaStart("e226", "WebSocket/voicebot/0x1", "alaw", 160)
    assert parse(plain) == parse(as_json) == expected


def test_keys_marks_and_flow_control():
    assert parse("DTMF_END digit:#") == DtmfEnd("#")
    assert parse('{"event": "DTMF_END", "digit": "5"}') == DtmfEnd("5")
    assert parse("MEDIA_BUFFERING_COMPLETED 3:confirm.pas") == BufferingCompleted("3:confirm.pas")
    completed = '{"event": "MEDIA_BUFFERING_COMPLETED", "correlation_id": "4:ask"}'
    assert parse(completed) == BufferingCompleted("4:ask")
    assert parse("MEDIA_XOFF") == FlowControl(paused=True)
    assert parse("MEDIA_XON") == FlowControl(paused=False)
    assert parse("STATUS queue_length:43 xon_level:800") is None  # nothing to act on


@pytest.mark.parametrize(
    "text",
    [
        "MEDIA_START format:opus",
        "MEDIA_START format:alaw optimal_frame_size:-1",
        "DTMF_END digit:12",
        "DTMF_END",
        "{",
        '{"digit": "1"}',
        "   ",
        "X" * 5000,
    ],
)
def test_malformed_messages_are_protocol_errors(text):
    with pytest.raises(ProtocolError):
        parse(text)


def test_prompt_audio_is_sent_in_messages_under_asterisks_limit():
    messages = media_messages(b"\xd5" * (MAX_MEDIA_MESSAGE * 2 + 100))
    assert [len(m) for m in messages] == [MAX_MEDIA_MESSAGE, MAX_MEDIA_MESSAGE, 100]
    assert MAX_MEDIA_MESSAGE % 160 == 0 and MAX_MEDIA_MESSAGE < 65_500


EVENT_NAMES = ["MEDIA_START", "DTMF_END", "MEDIA_BUFFERING_COMPLETED", "MEDIA_XOFF"]
CONTROL_TEXT = st.one_of(
    st.text(max_size=200),
    st.builds(lambda name, rest: f"{name} {rest}", st.sampled_from(EVENT_NAMES), st.text()),
)


@settings(
    max_examples=500,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(CONTROL_TEXT)
def test_any_text_is_an_event_nothing_or_a_protocol_error(text):
    try:
        parse(text)
    except ProtocolError:
        pass


def test_what_the_channel_end_says_the_bot_end_reads():
    """Our SIP edge plays Asterisk's part: its words must parse as Asterisk's do."""
    assert parse(chan_websocket.media_start("1761245643.1", "alaw")) == MediaStart(
        "1761245643.1", "", "alaw", 160
    )
    assert parse(chan_websocket.dtmf_end("#")) == DtmfEnd("#")
    assert parse(chan_websocket.buffering_completed("3:answer")) == BufferingCompleted("3:answer")


def test_what_the_bot_end_says_the_channel_end_reads():
    assert chan_websocket.parse_command(chan_websocket.start_buffering()) == StartBuffering()
    assert chan_websocket.parse_command(chan_websocket.stop_buffering("3:answer")) == (
        StopBuffering("3:answer")
    )
    assert chan_websocket.parse_command(chan_websocket.flush()) == FlushMedia()
    assert chan_websocket.parse_command(chan_websocket.hangup()) == HangUpChannel()
    assert chan_websocket.parse_command("GET_STATUS") is None
