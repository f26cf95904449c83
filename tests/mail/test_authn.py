"""The sender verdict (DKIM, DMARC alignment, trusted Authentication-Results), the reply tokens
and the resolver: each rule on its own. Real keys, a fake name server (tests/mail/dkimkeys.py),
and once the real resolver code against a name server on 127.0.0.1."""

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escala.core import clock
from escala.mail import authn, outbound, thread_match
from escala.mail.addresses import clean_header_text, is_clean_addr_spec, read_mailboxes
from escala.mail.parse import decode_header_value, parse_mail

from .conftest import compose
from .dkimkeys import keypair, sign, sign_with


def _verdict(raw: bytes, trusted=()) -> dict:
    parsed = parse_mail(raw)
    return authn.verdict(
        raw,
        from_addr=parsed.from_addr,
        trusted_ids=list(trusted),
        several_from="MultipleFromAddresses" in parsed.defects,
    )


def test_an_aligned_dkim_signature_passes(dns):
    raw = sign(compose(sender="ana@cliente.example"), "cliente.example", dns=dns)
    verdict = _verdict(raw)
    assert (verdict["result"], verdict["by"]) == ("pass", "dkim")
    assert verdict["dkim"] == [
        {"d": "cliente.example", "s": "sel", "aligned": True, "result": "pass"}
    ]


def test_a_parent_domains_signature_aligns_relaxed_but_not_strict(dns):
    raw = sign(compose(sender="ana@correo.cliente.example"), "cliente.example", dns=dns)
    assert _verdict(raw)["result"] == "pass"
    dns.publish_dmarc("correo.cliente.example", "reject", "adkim=s")
    authn.use_resolver(dns)  # forget cached answers
    assert _verdict(raw)["result"] == "fail"


def test_a_signature_of_another_organization_does_not_vouch_for_the_from_domain(dns):
    raw = sign(compose(sender="ana@cliente.example"), "mailer.example", dns=dns)
    verdict = _verdict(raw)
    assert verdict["result"] == "none"
    assert verdict["dkim"][0]["result"] == "not_checked"


def test_a_body_changed_after_signing_fails(dns):
    raw = sign(
        compose(sender="ana@cliente.example", body="Pague 10 euros."), "cliente.example", dns=dns
    )
    tampered = raw.replace(b"10 euros", b"99 euros")
    assert _verdict(tampered)["dkim"][0]["result"] == "fail"
    assert _verdict(tampered)["result"] == "none"


def test_dmarc_reject_without_an_aligned_signature_is_forged_but_p_none_is_only_unverified(dns):
    dns.publish_dmarc("banco.example", "reject")
    dns.publish_dmarc("tienda.example", "none")
    assert _verdict(compose(sender="x@banco.example"))["result"] == "fail"
    verdict = _verdict(compose(sender="x@tienda.example"))
    assert verdict["result"] == "none"
    assert verdict["dmarc"] == {"result": "fail", "policy": "none"}


def test_a_subdomain_takes_the_organizations_subdomain_policy(dns):
    dns.publish_dmarc("banco.example", "none", "sp=reject")
    assert _verdict(compose(sender="x@avisos.banco.example"))["result"] == "fail"


def test_several_from_addresses_never_pass(dns):
    raw = compose(sender="", verbatim={"From": "a@cliente.example, b@otro.example"})
    raw = sign(raw, "cliente.example", dns=dns)
    assert _verdict(raw)["result"] == "fail"


def test_a_name_server_that_does_not_answer_gives_temperror(dns):
    raw = sign(compose(sender="ana@cliente.example"), "cliente.example", dns=dns)
    dns.down = True
    assert _verdict(raw)["result"] == "temperror"


def test_keys_and_policies_are_looked_up_once_per_name(dns):
    for i in range(5):
        raw = sign(compose(sender=f"u{i}@cliente.example"), "cliente.example", dns=dns)
        assert _verdict(raw)["result"] == "pass"
    assert dns.lookups.count("sel._domainkey.cliente.example") == 1
    assert dns.lookups.count("_dmarc.cliente.example") == 1


def test_the_forgers_key_does_not_verify(dns):
    dns.publish_key("cliente.example")
    forged = sign_with(compose(sender="ana@cliente.example"), "cliente.example", keypair("x")[0])
    assert _verdict(forged)["result"] == "none"


# --- Authentication-Results -------------------------------------------------------------------


def _with_results(*headers: str, sender="ana@cliente.example") -> bytes:
    return "".join(f"Authentication-Results: {h}\n" for h in headers).encode() + compose(
        sender=sender
    )


def test_only_the_topmost_results_of_a_trusted_server_count():
    raw = _with_results(
        "mx.escala.example; dmarc=fail header.from=cliente.example",
        "mx.escala.example; dmarc=pass header.from=cliente.example",  # the forger's, below
    )
    verdict = _verdict(raw, trusted=["mx.escala.example"])
    assert (verdict["result"], verdict["by"]) == ("fail", "authentication-results")


def test_results_about_another_domain_do_not_vouch():
    raw = _with_results("mx.escala.example; dmarc=pass header.from=evil.example")
    assert _verdict(raw, trusted=["mx.escala.example"])["result"] == "none"


def test_aligned_spf_or_dkim_in_trusted_results_pass():
    spf = _with_results("mx.escala.example; spf=pass smtp.mailfrom=rebote@cliente.example")
    dkim = _with_results("mx.escala.example; dkim=pass header.d=cliente.example")
    other = _with_results("mx.escala.example; dkim=pass header.d=evil.example")
    assert _verdict(spf, trusted=["mx.escala.example"])["result"] == "pass"
    assert _verdict(dkim, trusted=["mx.escala.example"])["result"] == "pass"
    assert _verdict(other, trusted=["mx.escala.example"])["result"] == "none"


def test_untrusted_or_unreadable_results_are_ignored():
    raw = _with_results("dmarc=pass", "mx.evil.example; dmarc=pass header.from=cliente.example")
    assert _verdict(raw, trusted=["mx.escala.example"])["result"] == "none"


# --- the real resolver code, against a name server on loopback --------------------------------


def _txt_server():
    path = Path(__file__).parents[2] / "bench" / "_dns.py"
    spec = importlib.util.spec_from_file_location("escala_bench_dns", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TxtServer


def test_the_configured_resolver_answers_dkim_keys(settings, dns):
    private, public = keypair("udp")
    records = {
        "sel._domainkey.cliente.example": [f"v=DKIM1; k=rsa; p={public}"],
        "_dmarc.cliente.example": ["v=DMARC1; p=reject"],
    }
    raw = sign_with(compose(sender="ana@cliente.example"), "cliente.example", private)
    with _txt_server()(records) as server:
        settings.ESCALA_DNS_RESOLVER = [server.address]
        settings.ESCALA_DNS_TIMEOUT = 2.0
        authn.use_resolver(None)  # the real code path
        try:
            assert _verdict(raw)["result"] == "pass"
            assert _verdict(compose(sender="eve@cliente.example"))["result"] == "fail"
        finally:
            authn.use_resolver(dns)
        assert server.questions >= 2


# --- reply tokens -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reply_token_is_valid_only_for_its_recipient_and_until_it_expires(settings, monkeypatch):
    settings.ESCALA_MAIL_TOKEN_DAYS = 30
    address = thread_match.reply_address(42, "Ana@Cliente.example")
    [token] = thread_match.tokens_in([address.upper()])  # an MTA may change the case
    assert token.ticket_id == 42
    assert token.state_for("ana@cliente.example") == "valid"
    assert token.state_for("eve@cliente.example") == "invalid"
    later = clock.now() + timedelta(days=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert token.state_for("ana@cliente.example") == "expired"


def test_tokens_on_another_domain_or_mailbox_name_nothing(settings):
    good = thread_match.reply_address(7, "ana@cliente.example")
    assert thread_match.tokens_in([good.replace("@escala.example", "@evil.example")]) == []
    assert thread_match.tokens_in([good.replace("soporte+", "ventas+")]) == []


# --- addresses and outgoing headers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "address"),
    [
        ("=?utf-8?q?john=40example.com=3E?= <attacker@evil.example>", "attacker@evil.example"),
        ('"john@example.com" <attacker@evil.example>', "attacker@evil.example"),
        ("john@example.com <attacker@evil.example>", "attacker@evil.example"),
        ('"Bob <bob@example.com>" <eve@evil.example>', "eve@evil.example"),
        ("eve@evil.example (john@example.com)", "eve@evil.example"),
        ("=?utf-8?Q?M=C3=BCller=2C_Hans?= <hans@cliente.example>", "hans@cliente.example"),
        ("=?utf-8?q?a=0D=0ATo:_v@victim.example?= <eve@evil.example>", "eve@evil.example"),
        ('<"a b"@evil.example>', None),
        ("garbage", None),
    ],
)
def test_the_address_is_read_from_the_structure_never_from_the_name(header, address):
    found = read_mailboxes(header, decode_header_value)
    assert (found[0].address if found else None) == address
    for mailbox in found:
        assert mailbox.name == clean_header_text(mailbox.name)


def test_outgoing_header_text_has_no_line_breaks_controls_or_bidi_overrides():
    text = "Hola\r\nBcc: v@victim.example\x00\u2028\u202etxt.exe"
    cleaned = clean_header_text(text)
    assert not any(ch in cleaned for ch in "\r\n\x00\u2028\u202e")
    assert cleaned.startswith("Hola Bcc: v@victim.example")


@pytest.mark.parametrize(
    "bad",
    ["a@b.example, c@d.example", "Eve <e@evil.example>", "e@evil.example\r\nBcc: x@y.example",
     "e vil@evil.example", "", "@evil.example", "e@localhost"],
)  # fmt: skip
def test_an_outgoing_recipient_is_one_clean_address(bad):
    assert not is_clean_addr_spec(bad)
    assert is_clean_addr_spec("ana.ruiz+x@cliente.example")


@pytest.mark.django_db
def test_a_recipient_that_is_not_one_clean_address_is_never_queued(customer):
    from escala.mail.models import Outbox

    queued = outbound.queue_mail(
        ticket=None, kind="vendor", to="a@b.example,\r\nc@evil.example", subject="x", body="y"
    )
    assert queued is None
    assert not Outbox.objects.exists()


@given(st.integers(min_value=0, max_value=2**4096), st.integers(min_value=-1, max_value=600))
def test_the_faster_integer_conversions_equal_dkimpys_own(number, length):
    """authn swaps two pure-Python helpers of dkimpy for int.to_bytes/from_bytes."""
    import dkim.crypto

    needed = max(1, (number.bit_length() + 7) // 8)
    if 0 <= length < needed:
        length = -1
    assert authn._int2str(number, length) == _original_int2str(number, length)
    data = number.to_bytes(needed, "big")
    assert dkim.crypto.str2int(data) == _original_str2int(data) == number


def _original_int2str(n, length=-1):  # dkimpy 1.1.8, dkim/crypto.py
    r = bytearray()
    while length < 0 or len(r) < length:
        r.append(n & 0xFF)
        n >>= 8
        if length < 0 and n == 0:
            break
    r.reverse()
    return r


def _original_str2int(s):
    r = 0
    for c in bytearray(s):
        r = (r << 8) | c
    return r


@pytest.mark.parametrize("hash_name", ["sha256", "sha1"])
def test_the_openssl_rsa_check_gives_dkimpys_answer_for_good_and_bad_signatures(hash_name):
    """authn checks DKIM's RSA signature with OpenSSL (cryptography) instead of dkimpy's pow;
    every answer must be the same, and what it does not handle goes to dkimpy's own code."""
    import base64
    import hashlib

    import dkim.crypto
    from dkim import HashThrough

    private_pem, public_b64 = keypair()
    private = dkim.crypto.parse_pem_private_key(private_pem)
    public = dkim.crypto.parse_public_key(base64.b64decode(public_b64))

    def digest(text: bytes):
        return HashThrough(hashlib.new(hash_name, text))

    signature = bytes(dkim.crypto.RSASSA_PKCS1_v1_5_sign(digest(b"signed"), private))
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    cases = [
        (b"signed", signature, True),
        (b"changed", signature, False),
        (b"signed", flipped, False),
        (b"signed", signature[1:], False),  # one byte short: dkimpy's own code decides
        (b"signed", b"\x00" + signature, True),  # the same number to dkimpy, which decides
    ]
    for text, sig, expected in cases:
        assert authn._rsa_verify(digest(text), sig, public) is expected
        assert authn._dkim_rsa_verify(digest(text), sig, public) is expected
