"""Who really sent a mail: every inbound mail gets a verdict before it may act as anyone.

- **DKIM**, verified by Escala itself (dkimpy), for the signatures whose `d=` belongs to the
  organization of the `From:` domain; keys and DMARC records come through one DNS function
  (`txt_records`): the resolver of ESCALA_DNS_RESOLVER (or the system's), answers cached per
  process, or, in tests, a fake resolver holding real keys (`use_resolver`).
- **DMARC alignment** of the `From:` domain (RFC 7489): a passing signature counts only when its
  domain is the From domain or shares its organizational domain (the public-suffix list shipped
  with `publicsuffixlist`, offline); strict alignment when the domain's record says `adkim=s`.
  A domain whose DMARC policy is quarantine/reject and that no aligned signature vouches for
  gives `fail`; with no record, or `p=none`, `none` (not authenticated, not proven forged).
- **Authentication-Results** of an MTA the admin trusts (ESCALA_MAIL_TRUSTED_AUTHSERV_IDS, or the
  mailbox's own list): the topmost header with a trusted authserv-id is read (RFC 8601: that MTA
  removes incoming ones with its id, so the topmost is its own); `dmarc=pass` for the From domain,
  or an aligned `dkim=pass`/`spf=pass`, passes; `dmarc=fail` fails.

The verdict is plain data (stored on the InboundMail as JSON) with which check decided.
SPF is not checked here: the pipe and IMAP do not know the connecting address; an MTA's
Authentication-Results carry it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from email.parser import BytesHeaderParser
from email.policy import compat32

import authres
import dkim
import dkim.crypto
from django.conf import settings
from django.utils.translation import gettext as _
from publicsuffixlist import PublicSuffixList

log = logging.getLogger(__name__)

PASS, FAIL, NONE, TEMPERROR = "pass", "fail", "none", "temperror"
BY_DKIM, BY_AR = "dkim", "authentication-results"
MAX_SIGNATURES = 5  # aligned signatures verified per mail: a hostile mail cannot ask for more


class DnsTempError(Exception):
    """The resolver did not answer (time-out, SERVFAIL): the verdict is `temperror`."""


# --- DNS ------------------------------------------------------------------------------------------

Resolver = Callable[[str], list[str] | None]  # name -> TXT strings (None: no such name)
_override: Resolver | None = None
_cache: dict[str, tuple[float, list[str] | None]] = {}
_lock = threading.Lock()
_psl = PublicSuffixList()


def use_resolver(resolver: Resolver | None) -> None:
    """Answer every TXT look-up with `resolver` (tests: a fake DNS with real keys); None goes
    back to the configured resolver. Clears the cache."""
    global _override  # noqa: PLW0603
    _override = resolver
    _cache.clear()


@contextlib.contextmanager
def resolver(fake: Resolver) -> Iterator[None]:
    previous = _override
    use_resolver(fake)
    try:
        yield
    finally:
        use_resolver(previous)


def txt_records(name: str) -> list[str]:
    """The TXT strings of `name` (each record's strings joined), cached for
    ESCALA_DNS_CACHE_SECONDS (a missing name too). Raises DnsTempError."""
    name = name.rstrip(".").lower()
    now = time.monotonic()
    hit = _cache.get(name)
    if hit is not None and hit[0] > now:
        return list(hit[1] or [])
    answer = _override(name) if _override is not None else _dns_lookup(name)
    with _lock:
        if len(_cache) > 20_000:
            _cache.clear()
        _cache[name] = (now + settings.ESCALA_DNS_CACHE_SECONDS, answer)
    return list(answer or [])


_dns = threading.local()


def _dns_resolver():  # noqa: ANN202
    import dns.nameserver
    import dns.resolver

    servers = tuple(settings.ESCALA_DNS_RESOLVER)
    cached = getattr(_dns, "resolver", None)
    if cached is not None and cached[0] == servers:
        return cached[1]
    if servers:
        res = dns.resolver.Resolver(configure=False)
        res.nameservers = [_nameserver(dns.nameserver, s) for s in servers]
    else:
        res = dns.resolver.Resolver()
    res.lifetime = settings.ESCALA_DNS_TIMEOUT
    _dns.resolver = (servers, res)
    return res


def _nameserver(module, server: str):  # noqa: ANN001, ANN202
    host, port = server, 53
    if server.startswith("["):  # [::1]:53
        host, _, rest = server[1:].partition("]")
        port = int(rest.lstrip(":") or 53)
    elif server.count(":") == 1:
        host, _, text = server.partition(":")
        port = int(text)
    return module.Do53Nameserver(host, port)


def _dns_lookup(name: str) -> list[str] | None:
    import dns.exception
    import dns.rdatatype
    import dns.resolver

    try:
        answer = _dns_resolver().resolve(name, dns.rdatatype.TXT, raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise DnsTempError(str(exc)) from exc
    if answer.rrset is None:
        return None
    return [b"".join(r.strings).decode("utf-8", "replace") for r in answer.rrset]


def _dkim_dnsfunc(name: bytes, timeout: float = 5) -> bytes | None:
    try:
        records = txt_records(name.decode("ascii", "replace"))
    except DnsTempError as exc:
        raise dkim.DnsTimeoutError(str(exc)) from exc
    for record in records:
        if "p=" in record:
            return record.encode()
    return records[0].encode() if records else None


# --- dkimpy, without its two slow spots ---------------------------------------------------------
# Verifying is dominated by (1) parsing the same public key again for every mail and (2) dkimpy's
# byte-by-byte int2str/str2int. Both are replaced by equivalents: the parsed key is kept per (name,
# record) — a changed record is parsed anew — and int2str uses int.to_bytes. Measured by
# bench/mail_ingest.py --auth (about 0.75 -> 0.35 ms of CPU per mail).
_parsed_keys: dict[tuple[bytes, bytes], tuple] = {}


def _load_pk_cached(name, dnsfunc=None, timeout=5):  # noqa: ANN001, ANN202  (dkimpy's signature)
    record = (dnsfunc or _dkim_dnsfunc)(name, timeout=timeout)
    key = (bytes(name), bytes(record or b""))
    found = _parsed_keys.get(key)
    if found is None:
        found = dkim.evaluate_pk(name, record)  # raises KeyFormatError like the original
        if len(_parsed_keys) > 5000:
            _parsed_keys.clear()
        _parsed_keys[key] = found
    return found


def _int2str(n: int, length: int = -1) -> bytearray:
    if length < 0:
        length = max(1, (n.bit_length() + 7) // 8)
    return bytearray(n.to_bytes(length, "big"))


def _str2int(data: bytes) -> int:
    return int.from_bytes(bytes(data), "big")


# (3) the RSA operation itself: Python's pow on 2048-bit numbers costs about 0.25 ms of CPU per
# signature, OpenSSL (cryptography, already installed with allauth's MFA) a tenth of that. Same
# check (RFC 8017 RSASSA-PKCS1-v1_5 with the signature's hash); anything it is not sure to read
# the same way (another hash, a signature not exactly the key's length, no cryptography) goes
# to dkimpy's own code.
_dkim_rsa_verify = dkim.RSASSA_PKCS1_v1_5_verify
_rsa_keys: dict[tuple[int, int], object] = {}
try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

    _HASHES = {"sha256": hashes.SHA256, "sha1": hashes.SHA1}
except ImportError:  # pragma: no cover  (dkimpy verifies on its own)
    _HASHES = {}


def _rsa_verify(digest, signature: bytes, public_key: dict) -> bool:  # noqa: ANN001
    algorithm = _HASHES.get(getattr(digest, "name", ""))
    modulus, exponent = public_key["modulus"], public_key["publicExponent"]
    if algorithm is None or len(signature) != (modulus.bit_length() + 7) // 8:
        return _dkim_rsa_verify(digest, signature, public_key)
    key = _rsa_keys.get((modulus, exponent))
    if key is None:
        try:
            key = rsa.RSAPublicNumbers(exponent, modulus).public_key()
        except ValueError:
            return _dkim_rsa_verify(digest, signature, public_key)
        if len(_rsa_keys) > 5000:
            _rsa_keys.clear()
        _rsa_keys[(modulus, exponent)] = key
    try:
        key.verify(
            bytes(signature), digest.digest(), padding.PKCS1v15(), utils.Prehashed(algorithm())
        )
    except InvalidSignature:
        return False
    return True


dkim.load_pk_from_dns = _load_pk_cached
dkim.crypto.int2str = _int2str
dkim.crypto.str2int = _str2int
dkim.RSASSA_PKCS1_v1_5_verify = _rsa_verify


# --- domains --------------------------------------------------------------------------------------


def organizational_domain(domain: str) -> str:
    domain = domain.rstrip(".").lower()
    return _psl.privatesuffix(domain) or domain


def aligned(domain: str, from_domain: str, *, strict: bool = False) -> bool:
    domain, from_domain = domain.rstrip(".").lower(), from_domain.rstrip(".").lower()
    if not domain or not from_domain:
        return False
    if strict:
        return domain == from_domain
    return organizational_domain(domain) == organizational_domain(from_domain)


def dmarc_record(from_domain: str) -> dict[str, str] | None:
    """The DMARC tags that apply to `from_domain` (its own record, else its organization's,
    whose `sp=` then applies). Raises DnsTempError."""
    org = organizational_domain(from_domain)
    for domain in dict.fromkeys([from_domain, org]):
        for record in txt_records(f"_dmarc.{domain}"):
            if record.replace(" ", "").lower().startswith("v=dmarc1"):
                tags = _tags(record)
                if domain != from_domain and "sp" in tags:
                    tags["p"] = tags["sp"]
                return tags
    return None


def _tags(record: str) -> dict[str, str]:
    out = {}
    for part in record.split(";"):
        key, _sep, value = part.partition("=")
        if key.strip():
            out[key.strip().lower()] = value.strip().lower()
    return out


# --- the verdict ----------------------------------------------------------------------------------


def verdict(
    raw: bytes,
    *,
    from_addr: str,
    trusted_ids: list[str] | tuple[str, ...] = (),
    several_from: bool = False,
) -> dict:
    """The authentication verdict of one raw mail for its From address. Never raises."""
    from_domain = from_addr.rpartition("@")[2].lower() if "@" in from_addr else ""
    out: dict = {"result": NONE, "by": "", "domain": from_domain, "dkim": [], "dmarc": None}
    if not from_domain:
        out["note"] = "no_from"
        return out
    if several_from:
        # Whose mail is it? No single domain can vouch for it (RFC 7489 6.6.1).
        out.update(result=FAIL, note="several_from")
        return out
    try:
        _local(raw, from_domain, out)
    except Exception:  # noqa: BLE001  (a bug in a check: not authenticated, never a crash)
        log.exception("DKIM/DMARC check failed")
        out["result"], out["note"] = TEMPERROR, "error"
    if out["result"] != PASS and trusted_ids:
        _trusted_results(raw, from_domain, [t.lower() for t in trusted_ids], out)
    return out


def _local(raw: bytes, from_domain: str, out: dict) -> None:
    temp = False
    try:
        policy = dmarc_record(from_domain)
    except DnsTempError:
        policy, temp = None, True
    strict = (policy or {}).get("adkim") == "s"
    if b"dkim-signature" in raw[:65536].lower():
        temp |= _verify_signatures(raw, from_domain, strict, out)
    if any(s["result"] == PASS and s["aligned"] for s in out["dkim"]):
        out.update(result=PASS, by=BY_DKIM)
        if policy is not None:
            out["dmarc"] = {"result": PASS, "policy": policy.get("p", "none")}
        return
    if policy is not None:
        p = policy.get("p", "none")
        out["dmarc"] = {"result": FAIL, "policy": p}
        if p in ("quarantine", "reject"):
            out["result"] = FAIL
            return
    if temp:
        out["result"] = TEMPERROR


def _verify_signatures(raw: bytes, from_domain: str, strict: bool, out: dict) -> bool:
    """Verify the signatures aligned with the From domain; note the others. True: a DNS
    time-out left one undecided."""
    temp = False
    try:
        checker = dkim.DKIM(raw, minkey=1024)
    except Exception:  # noqa: BLE001
        return False
    headers = [v for k, v in checker.headers if k.lower() == b"dkim-signature"]
    checked = 0
    for idx, value in enumerate(headers[:20]):
        try:
            tags = dkim.util.parse_tag_value(value)
            domain = tags.get(b"d", b"").decode("ascii", "replace").lower()
            selector = tags.get(b"s", b"").decode("ascii", "replace")
        except Exception:  # noqa: BLE001
            out["dkim"].append({"d": "", "s": "", "result": "permerror", "aligned": False})
            continue
        entry = {"d": domain, "s": selector, "aligned": aligned(domain, from_domain, strict=strict)}
        if not entry["aligned"] or checked >= MAX_SIGNATURES:
            entry["result"] = "not_checked"
            out["dkim"].append(entry)
            continue
        checked += 1
        try:
            entry["result"] = PASS if checker.verify(idx, dnsfunc=_dkim_dnsfunc) else FAIL
        except dkim.DnsTimeoutError:
            entry["result"], temp = TEMPERROR, True
        except dkim.DKIMException as exc:
            # A changed body is a signature that does not verify; the rest are broken ones.
            failed = "body hash mismatch" in str(exc)
            entry["result"], entry["error"] = (FAIL if failed else "permerror"), str(exc)[:200]
        except Exception as exc:  # noqa: BLE001  (a malformed key or signature)
            entry["result"], entry["error"] = "permerror", str(exc)[:200]
        out["dkim"].append(entry)
    return temp


def _trusted_results(raw: bytes, from_domain: str, trusted: list[str], out: dict) -> None:
    if b"authentication-results" not in raw[:262144].lower():
        return
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:262144])
    except Exception:  # noqa: BLE001
        return
    for value in headers.get_all("Authentication-Results") or []:
        text = " ".join(str(value).split())
        try:
            parsed = authres.AuthenticationResultsHeader.parse_value(text)
        except Exception:  # noqa: BLE001, S112  (unreadable: not ours to believe)
            continue
        if (parsed.authserv_id or "").lower() not in trusted:
            continue
        # The topmost header of a trusted server is its own: it alone counts.
        out["ar"] = _read_results(parsed, from_domain)
        decision = out["ar"]["decision"]
        if decision == PASS:
            out.update(result=PASS, by=BY_AR)
        elif decision == FAIL and out["result"] != PASS:
            out.update(result=FAIL, by=BY_AR)
        return


def _read_results(parsed, from_domain: str) -> dict:  # noqa: ANN001
    seen: dict = {"authserv_id": parsed.authserv_id, "decision": NONE}
    for result in parsed.results:
        method, value = (result.method or "").lower(), (result.result or "").lower()
        props = {f"{p.type}.{p.name}".lower(): (p.value or "").lower() for p in result.properties}
        if method == "dmarc":
            header_from = props.get("header.from", from_domain)
            seen["dmarc"] = value
            if header_from.rpartition("@")[2] != from_domain:
                seen["dmarc"] = f"{value} ({header_from})"
                continue  # about another domain
            if value == PASS:
                seen["decision"] = PASS
            elif value == FAIL and seen["decision"] != PASS:
                seen["decision"] = FAIL
        elif method in ("dkim", "spf") and value == PASS:
            domain = props.get("header.d") or props.get("header.i", "").rpartition("@")[2]
            if method == "spf":
                domain = props.get("smtp.mailfrom", "").rpartition("@")[2]
            seen[method] = f"{value} ({domain})"
            if domain and aligned(domain, from_domain) and seen["decision"] != FAIL:
                seen["decision"] = PASS
        elif method in ("dkim", "spf"):
            seen.setdefault(method, value)
    return seen


# --- words for the agent ----------------------------------------------------------------------


def describe(auth: dict) -> list[str]:
    """The verdict in sentences, for the held mail and the ticket's message."""
    if not auth:
        return [_("Received before sender checks existed: no verdict.")]
    lines = []
    result = auth.get("result", NONE)
    by = auth.get("by", "")
    domain = auth.get("domain", "")
    if result == PASS and by == BY_DKIM:
        signer = next((s["d"] for s in auth.get("dkim", []) if s.get("result") == PASS), domain)
        lines.append(
            _("Sender verified: DKIM signature of %(signer)s, aligned with %(domain)s.")
            % {"signer": signer, "domain": domain}
        )
    elif result == PASS and by == BY_AR:
        lines.append(
            _("Sender verified by the trusted server %(server)s (Authentication-Results).")
            % {"server": (auth.get("ar") or {}).get("authserv_id", "")}
        )
    elif auth.get("note") == "several_from":
        lines.append(_("Not verified: the mail has several From addresses."))
    elif auth.get("note") == "no_from":
        lines.append(_("Not verified: the mail has no sender address."))
    elif result == FAIL and by == BY_AR:
        lines.append(
            _("Forged sender: the trusted server %(server)s says DMARC failed for %(domain)s.")
            % {"server": (auth.get("ar") or {}).get("authserv_id", ""), "domain": domain}
        )
    elif result == FAIL:
        lines.append(
            _("Forged sender: %(domain)s publishes a DMARC policy and no signature vouches.")
            % {"domain": domain}
        )
    elif result == TEMPERROR:
        lines.append(_("Not verified: DNS did not answer; try again later."))
    else:
        lines.append(
            _("Not verified: no DKIM signature of %(domain)s could be verified.")
            % {"domain": domain}
        )
    for sig in auth.get("dkim", []):
        lines.append(
            _("DKIM d=%(d)s s=%(s)s: %(result)s")
            % {"d": sig.get("d", ""), "s": sig.get("s", ""), "result": sig.get("result", "")}
        )
    if dmarc := auth.get("dmarc"):
        lines.append(
            _("DMARC: %(result)s (policy %(policy)s)")
            % {"result": dmarc.get("result", ""), "policy": dmarc.get("policy", "")}
        )
    token = {
        "valid": _("It came through the reply address Escala sent to this sender."),
        "expired": _("Its reply address has expired."),
        "invalid": _("Its reply address was not issued to this sender."),
    }.get(auth.get("token", ""))
    if token:
        lines.append(token)
    if mode := auth.get("mode"):
        from .choices import SenderPolicy

        label = dict(SenderPolicy.choices).get(mode, mode)
        lines.append(_("Mailbox mode: %(mode)s") % {"mode": label})
    return lines
