"""The website chat: the conversation core on the municipality's web pages (beside telephony/)."""
