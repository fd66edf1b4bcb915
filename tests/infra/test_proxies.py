import pytest

from app.errors import ConfigError
from app.infra.proxies import TrustedProxies, parse_networks

FRONT = TrustedProxies(lambda environ, start: environ, parse_networks("127.0.0.1, 10.0.0.0/8"))


def seen(peer, forwarded=None):
    environ = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    return FRONT(environ, None)["REMOTE_ADDR"]


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),  # the front names its client
        ("127.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # a forged left part
        ("127.0.0.1", "203.0.113.7, 10.1.2.3", "203.0.113.7"),  # through two fronts of ours
        ("127.0.0.1", "10.1.2.3", "10.1.2.3"),  # only fronts: the leftmost of them
        ("127.0.0.1", "nonsense", "127.0.0.1"),
        ("127.0.0.1", "203.0.113.7\n", "203.0.113.7"),
        ("127.0.0.1", None, "127.0.0.1"),
        ("203.0.113.9", "127.0.0.5", "203.0.113.9"),  # not a front: its header is ignored
    ],
)
def test_the_client_is_the_rightmost_address_no_front_of_ours_added(peer, forwarded, client):
    assert seen(peer, forwarded) == client


def test_a_bad_network_fails_start_up_with_its_name():
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES: 'caddy'"):
        parse_networks("127.0.0.1, caddy")
