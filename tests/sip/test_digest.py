"""Digest credentials for INVITEs from outside SIP_TRUSTED, checked as RFC 2617 computes them."""

import hashlib

from app.sip.digest import NONCE_SECONDS, DigestGuard, users_of


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def answer(challenge, user, password, uri="sip:borgerservice@10.0.0.1", qop=True):
    """The Authorization a phone or trunk sends back, computed independently of the guard."""
    params = dict(p.strip().split("=", 1) for p in challenge.removeprefix("Digest ").split(","))
    realm, nonce = params["realm"].strip('"'), params["nonce"].strip('"')
    ha1, ha2 = md5(f"{user}:{realm}:{password}"), md5(f"INVITE:{uri}")
    if qop:
        response = md5(f"{ha1}:{nonce}:00000001:abc123:auth:{ha2}")
        extra = ', qop=auth, nc=00000001, cnonce="abc123"'
    else:
        response, extra = md5(f"{ha1}:{nonce}:{ha2}"), ""
    return (
        f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
        f'response="{response}", algorithm=MD5{extra}'
    )


def test_users_are_read_from_the_setting():
    assert users_of("trunk:a:b, other:x,broken,:nope") == {"trunk": "a:b", "other": "x"}
    assert users_of(None) == {}


def test_the_right_password_is_accepted_with_and_without_qop():
    guard = DigestGuard({"trunk": "hemmelig"})
    challenge = guard.challenge(1000)
    assert guard.verify(answer(challenge, "trunk", "hemmelig"), "INVITE", 1001) == "trunk"
    plain = answer(challenge, "trunk", "hemmelig", qop=False)
    assert guard.verify(plain, "INVITE", 1001) == "trunk"


def test_a_wrong_password_an_unknown_user_or_a_stale_nonce_is_refused():
    guard = DigestGuard({"trunk": "hemmelig"})
    challenge = guard.challenge(1000)
    assert guard.verify(answer(challenge, "trunk", "gaet"), "INVITE", 1001) is None
    assert guard.verify(answer(challenge, "ukendt", "hemmelig"), "INVITE", 1001) is None
    late = 1000 + NONCE_SECONDS + 1
    assert guard.verify(answer(challenge, "trunk", "hemmelig"), "INVITE", late) is None
    assert guard.verify(None, "INVITE", 1001) is None


def test_a_nonce_made_by_another_process_is_refused():
    ours, theirs = DigestGuard({"trunk": "hemmelig"}), DigestGuard({"trunk": "hemmelig"})
    forged = answer(theirs.challenge(1000), "trunk", "hemmelig")
    assert ours.verify(forged, "INVITE", 1001) is None
    assert ours.names_us(forged)  # our realm: wrong credentials, refused rather than re-asked
