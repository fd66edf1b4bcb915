from app.channels.terminal import event_for
from app.core.call import Heard, Keypad, Silence


def test_a_typed_line_is_speech_a_lone_key_a_key_press_and_nothing_silence():
    assert event_for("jeg skal flytte") == Heard("jeg skal flytte")
    assert event_for("0") == Keypad("0") and event_for("#") == Keypad("#")
    assert event_for("10") == Heard("10")
    assert event_for("") == Silence()
