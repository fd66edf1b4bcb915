# The web pages are reached through calls placed as Twilio places them.
from tests.telephony.conftest import *  # noqa: F403
