"""G.711 as SIP negotiates it: payload types, SDP names, and the encoder for each law.

aiortp hands received audio over as PCM (lost packets concealed) and sends what it is given, so
both call legs encode through here.
"""

from collections.abc import Callable

from ...speech.codecs import pcm16_to_alaw, pcm16_to_ulaw

PAYLOAD_TYPES = {8: "alaw", 0: "ulaw"}
"""PCMA first: European trunks; PCMU where the far end only offers that."""
SDP_NAMES = {"alaw": "PCMA", "ulaw": "PCMU"}
ENCODE: dict[str, Callable[[bytes], bytes]] = {"alaw": pcm16_to_alaw, "ulaw": pcm16_to_ulaw}


def payload_type(law: str) -> int:
    """The static RTP payload type of a law."""
    return next(pt for pt, name in PAYLOAD_TYPES.items() if name == law)
