"""Twilio: signed webhooks, Media Streams, the queue a transferred caller waits in, SMS."""
