"""`voicebot bench match`: the matcher's build time and per-utterance cost."""

from __future__ import annotations

import time


def run_match(lines: int, size: int | None = None) -> list[str]:
    """Matcher build time and per-utterance cost on the shipped Danish set.

    With `size`, the set is grown to that many intents by copies of its content intents, each
    copy's examples marked with a word of its own, so a catalogue of that size is timed before
    it is written.
    """
    import dataclasses

    from ..config import Settings
    from ..core.matcher import Matcher
    from ..intents.catalogue import SYSTEM_TOPIC, load_intents

    settings = Settings()
    intents = load_intents(settings.intents_dir)
    content = [i for i in intents.intents.values() if i.topic != SYSTEM_TOPIC]
    grown = dict(intents.intents)
    copy = 0
    while size and len(grown) < size:
        original = content[copy % len(content)]
        mark = f"mærke{copy}"
        grown[f"{original.id}_{copy}"] = dataclasses.replace(
            original,
            id=f"{original.id}_{copy}",
            examples=tuple(f"{e} {mark}" for e in original.examples),
            tests=tuple(f"{t} {mark}" for t in original.tests),
        )
        copy += 1
    intents = dataclasses.replace(intents, intents=grown)
    started = time.perf_counter()
    matcher = Matcher(intents, settings.thresholds())
    load = time.perf_counter() - started
    texts = [t for i in matcher.intents.intents.values() for t in i.tests]
    texts = (texts * (lines // len(texts) + 1))[:lines]
    started = time.perf_counter()
    matcher.match_all(texts)
    took = time.perf_counter() - started
    examples = sum(len(i.examples) for i in grown.values())
    return [
        f"{len(grown)} intents, {examples} examples: matcher and model built in "
        f"{load * 1000:.0f} ms",
        f"{lines} utterances in {took:.2f} s: {lines / took:.0f}/s, "
        f"{took / lines * 1000:.2f} ms each (one core)",
    ]
