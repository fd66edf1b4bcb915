"""Phone calls: a vendor-free call session, and the Twilio adapter (webhooks, Media Streams)."""
