import base64
import json

import pytest

from app.channels.media_loop import Audio, Key, Mark, Stopped
from app.channels.twilio import stream as twilio_stream
from app.channels.twilio import twiml
from app.channels.twilio.stream import ProtocolError, StreamStarted, parse

START = {
    "event": "start",
    "sequenceNumber": "1",
    "streamSid": "MZ1",
    "start": {
        "streamSid": "MZ1",
        "accountSid": "AC1",
        "callSid": "CA" + "1" * 32,
        "tracks": ["inbound"],
        "customParameters": {"token": "t"},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    },
}


def test_parse_every_message_twilio_sends():
    assert parse(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})) is None
    started = parse(json.dumps(START))
    media_format = START["start"]["mediaFormat"]
    assert started == StreamStarted("MZ1", "CA" + "1" * 32, {"token": "t"}, media_format)
    payload = base64.b64encode(b"\xff" * 160).decode()
    assert parse(json.dumps({"event": "media", "media": {"payload": payload}})) == Audio(
        b"\xff" * 160
    )
    assert parse(json.dumps({"event": "dtmf", "dtmf": {"digit": "0"}})) == Key("0")
    assert parse(json.dumps({"event": "mark", "mark": {"name": "1:greeting"}})) == Mark(
        "1:greeting"
    )
    assert parse(json.dumps({"event": "stop", "stop": {}})) == Stopped()


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "nope",
        "[]",
        '{"event": "start"}',
        '{"event": "media", "media": {"payload": "***"}}',
        '{"event": "dtmf"}',
        "x" * (twilio_stream.MAX_MESSAGE_BYTES + 1),
    ],
)
def test_malformed_messages_raise_protocol_error(raw):
    with pytest.raises(ProtocolError):
        parse(raw)


def test_outbound_media_is_raw_ulaw_in_one_second_chunks_then_a_mark():
    messages = [json.loads(m) for m in twilio_stream.media("MZ1", b"\x7f" * 20_000)]
    assert [len(base64.b64decode(m["media"]["payload"])) for m in messages] == [8000, 8000, 4000]
    assert all(m["event"] == "media" and m["streamSid"] == "MZ1" for m in messages)
    assert json.loads(twilio_stream.mark("MZ1", "3:ask")) == {
        "event": "mark",
        "streamSid": "MZ1",
        "mark": {"name": "3:ask"},
    }
    assert json.loads(twilio_stream.clear("MZ1")) == {"event": "clear", "streamSid": "MZ1"}


def test_connect_stream_twiml_passes_parameters_and_redirects_after():
    from xml.etree import ElementTree

    doc = ElementTree.fromstring(
        twiml.connect_stream(
            "wss://h/twilio/stream", {"token": "a&b"}, "https://h/twilio/after-stream"
        )
    )
    stream = doc.find("./Connect/Stream")
    assert stream.attrib["url"] == "wss://h/twilio/stream"
    assert stream.find("Parameter").attrib == {"name": "token", "value": "a&b"}
    assert doc.find("Redirect").text == "https://h/twilio/after-stream"
    assert list(doc)[-1].tag == "Redirect"  # runs only once our server closes the stream


def test_transfer_twiml_for_each_mode():
    from xml.etree import ElementTree

    assert ElementTree.fromstring(twiml.enqueue("mitid")).find("Enqueue").text == "mitid"
    task = ElementTree.fromstring(
        twiml.enqueue_task("WW1", {"queue": "mitid", "intents": ["mitid"]})
    )
    assert task.find("Enqueue").attrib["workflowSid"] == "WW1"
    assert json.loads(task.find("./Enqueue/Task").text) == {"queue": "mitid", "intents": ["mitid"]}
    assert (
        ElementTree.fromstring(twiml.dial("+4543353000")).find("./Dial/Number").text
        == "+4543353000"
    )
    assert (
        ElementTree.fromstring(twiml.dial("sip:cc@pbx.kommune.dk")).find("./Dial/Sip") is not None
    )
    assert ElementTree.fromstring(twiml.hangup()).find("Hangup") is not None
