"""`voicebot sip`: our own SIP edge in front of the media socket."""
