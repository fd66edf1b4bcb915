"""The admin app in-process on a real Redis (the security tests' fixtures)."""

from tests.security.conftest import *  # noqa: F403
