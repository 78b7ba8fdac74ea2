"""Verify a Vouchsafe grant with PyJWT, as a brand's Python back end would.

Usage: verify_pyjwt.py CASES.json
CASES.json: {"jwk": {...pinned per-brand public key...}, "audience": "...", "issuer": "...",
             "good": "<token>", "other_key": "<token signed by another brand's key>"}
Prints one JSON object: {"accepted": <claims of the good token>, "rejected": {case: error class}}.
Anything unexpected (a bad token accepted, the good one refused) exits non-zero.
"""
import base64
import hashlib
import hmac
import json
import sys

import jwt
from jwt.algorithms import OKPAlgorithm

GRANT_TYP = "vnd.vouchsafe.grant+jwt"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decode(token, key, audience, issuer, leeway=0):
    # typ is not checked by PyJWT itself; RFC 8725 explicit typing is the brand's job.
    if jwt.get_unverified_header(token).get("typ") != GRANT_TYP:
        raise jwt.InvalidTokenError("wrong typ")
    return jwt.decode(
        token,
        key=key,
        algorithms=["EdDSA"],
        audience=audience,
        issuer=issuer,
        leeway=leeway,
        options={"require": ["exp", "iat", "iss", "sub", "aud", "jti"]},
    )


def main():
    cases = json.load(open(sys.argv[1]))
    key = OKPAlgorithm.from_jwk(json.dumps(cases["jwk"]))
    aud, iss, good = cases["audience"], cases["issuer"], cases["good"]
    claims = decode(good, key, aud, iss)

    h, p, s = good.split(".")
    payload = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    payload["email"] = "attacker@example.com"
    tampered = ".".join([h, b64(json.dumps(payload).encode()), s])
    header = json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))
    none_tok = ".".join([b64(json.dumps({**header, "alg": "none"}).encode()), p, ""])
    hs_header = b64(json.dumps({**header, "alg": "HS256"}).encode())
    hs_sig = hmac.new(json.dumps(cases["jwk"]).encode(), f"{hs_header}.{p}".encode(), hashlib.sha256).digest()
    hs_tok = f"{hs_header}.{p}.{b64(hs_sig)}"
    typ_tok = ".".join([b64(json.dumps({**header, "typ": "JWT"}).encode()), p, s])
    seconds_left = claims["exp"] - claims["iat"]

    attempts = {
        "tampered_payload": lambda: decode(tampered, key, aud, iss),
        "alg_none": lambda: decode(none_tok, key, aud, iss),
        "alg_hs256": lambda: decode(hs_tok, key, aud, iss),
        "wrong_typ": lambda: decode(typ_tok, key, aud, iss),
        "wrong_audience": lambda: decode(good, key, "someone-else", iss),
        "wrong_issuer": lambda: decode(good, key, aud, "urn:ietf:params:oauth:jwk-thumbprint:sha-256:xyz"),
        # A negative leeway moves "now" past exp: the same check a clock past exp would make.
        "expired": lambda: decode(good, key, aud, iss, leeway=-(seconds_left + 120)),
        "other_brand_key": lambda: decode(cases["other_key"], key, aud, iss),
    }
    rejected = {}
    for name, attempt in attempts.items():
        try:
            attempt()
        except jwt.PyJWTError as e:
            rejected[name] = type(e).__name__
            continue
        print(json.dumps({"error": f"{name} was accepted"}))
        sys.exit(1)
    print(json.dumps({"accepted": claims, "rejected": rejected}, ensure_ascii=False))


if __name__ == "__main__":
    main()
