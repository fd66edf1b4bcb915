"""Our SIP edge: trunk calls to the bot without Twilio (`voicebot sip`)."""
