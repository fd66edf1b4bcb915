"""What the turn-based engines' tests do alike: feed a turn as a call does, many at once."""

import threading


def hear(model, audio, vocabulary=(), step=1600):
    """One turn fed `step` bytes at a time, as a call feeds it; the final text."""
    recognizer = model.recognizer(list(vocabulary))
    for i in range(0, len(audio), step):
        recognizer.accept(audio[i : i + step])
    return recognizer.finish()


def hear_at_once(model, audio_by_text, texts):
    """Every text's turn from its own call thread at the same time; the texts heard, in order."""
    heard = {}

    def call(i, text):
        heard[i] = hear(model, audio_by_text[text], step=320)

    threads = [threading.Thread(target=call, args=(i, t)) for i, t in enumerate(texts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return [heard.get(i) for i in range(len(texts))]


def turns_in_a_row(model, phone_audio, texts):
    """Turns one after another on one recogniser, then silence, nothing and an odd byte."""
    recognizer = model.recognizer([])
    out = []
    for text in texts:
        recognizer.accept(phone_audio(text))
        out.append(recognizer.finish())
    recognizer.accept(b"\x00\x00" * 8000)
    out.append(recognizer.finish())
    out.append(recognizer.finish())  # nothing fed at all
    recognizer.accept(b"\x01")  # an odd byte count is not a crash
    out.append(recognizer.finish())
    return out
