"""How a citizen reaches the bot: phone (Twilio, Asterisk, our SIP edge) and the website chat."""
