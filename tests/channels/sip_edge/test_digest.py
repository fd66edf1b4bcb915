"""Digest credentials for INVITEs from outside SIP_TRUSTED, checked as RFC 2617 computes them."""

import hashlib

from app.channels.sip_edge.digest import NONCE_SECONDS, DigestGuard, Verdict, users_of


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
    assert guard.check(answer(challenge, "trunk", "hemmelig"), "INVITE", 1001) is Verdict.ACCEPT
    plain = answer(challenge, "trunk", "hemmelig", qop=False)
    assert guard.check(plain, "INVITE", 1001) is Verdict.ACCEPT


def test_a_wrong_password_or_an_unknown_user_is_refused():
    guard = DigestGuard({"trunk": "hemmelig"})
    challenge = guard.challenge(1000)
    assert guard.check(answer(challenge, "trunk", "gaet"), "INVITE", 1001) is Verdict.REFUSE
    assert guard.check(answer(challenge, "ukendt", "hemmelig"), "INVITE", 1001) is Verdict.REFUSE


def test_no_credentials_or_another_realms_are_challenged():
    guard = DigestGuard({"trunk": "hemmelig"})
    assert guard.check(None, "INVITE", 1001) is Verdict.CHALLENGE
    other = answer(guard.challenge(1000).replace("voicebot", "trunk.dk"), "trunk", "hemmelig")
    assert guard.check(other, "INVITE", 1001) is Verdict.CHALLENGE


def test_right_credentials_on_an_old_or_foreign_nonce_are_challenged_again_as_stale():
    ours, theirs = DigestGuard({"trunk": "hemmelig"}), DigestGuard({"trunk": "hemmelig"})
    late = 1000 + NONCE_SECONDS + 1
    old = answer(ours.challenge(1000), "trunk", "hemmelig")
    assert ours.check(old, "INVITE", late) is Verdict.STALE
    foreign = answer(theirs.challenge(1000), "trunk", "hemmelig")  # a restarted edge's
    assert ours.check(foreign, "INVITE", 1001) is Verdict.STALE
    assert "stale=TRUE" in ours.challenge(late, stale=True)
