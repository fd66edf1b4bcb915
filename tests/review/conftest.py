"""The admin app in-process on a real Redis (the security tests' fixtures)."""

from tests.security.conftest import app, app_settings, client  # noqa: F401 - the admin app
from tests.telephony.conftest import *  # noqa: F403 - settings and Redis the admin app needs
