#!/usr/bin/env python3
"""A brand written from docs/protocol.md alone, in Python with PyJWT and cryptography.

    brand.py request STATE_FILE ORIGIN   -> {"request": <request JWT>, "jwks": {...}}
    brand.py receive STATE_FILE GRANT    -> {"receipt": <brand receipt JWT>}, or exit 1 and the reason

It keeps its key, the nonce and what it asked for in STATE_FILE between the two steps. Used by
crates/vouchsafe-inbox/tests/interop.rs; nothing here imports Vouchsafe code.
"""

import base64
import hashlib
import json
import secrets
import sys
import time

import jwt  # PyJWT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

REQUIRED = ["email", "given_name"]
OPTIONAL = [["address", "locality"]]


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def thumbprint(x: str) -> str:
    # RFC 7638: required members in lexicographic order, no whitespace.
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    return b64u(hashlib.sha256(canonical.encode()).digest())


def public_x(private: Ed25519PrivateKey) -> str:
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return b64u(raw)


def request(state_file: str, origin: str) -> None:
    private = Ed25519PrivateKey.generate()
    x = public_x(private)
    kid = thumbprint(x)
    nonce, state = b64u(secrets.token_bytes(16)), b64u(secrets.token_bytes(16))
    now = int(time.time())
    paths = [[c] for c in REQUIRED] + OPTIONAL
    claims = {
        "iss": origin, "client_id": origin, "aud": "vouchsafe", "iat": now, "exp": now + 600,
        "response_type": "vp_token", "response_mode": "direct_post",
        "response_uri": origin + "/vouchsafe/response", "nonce": nonce, "state": state,
        "dcql_query": {"credentials": [{"id": "profile", "format": "vnd.vouchsafe.grant+jwt",
                                        "claims": [{"id": "-".join(p), "path": p} for p in paths]}]},
        "vouchsafe_consent": {
            "version": 1,
            "items": [{"claims": REQUIRED, "required": True, "purpose": {"en": "send the coupon"}},
                      {"claims": ["address-locality"], "required": False, "purpose": {"en": "nearest shop"}}],
            "purpose_category": "https://w3id.org/dpv#ServicePersonalisation", "retention": "P30D",
            "channels": [{"channel": "email", "kind": "info"}], "offer": {"en": "a pastry"},
            "refusal": {"en": "no pastry"}, "events_uri": origin + "/vouchsafe/events",
        },
    }
    token = jwt.encode(claims, private, algorithm="EdDSA", headers={"typ": "oauth-authz-req+jwt", "kid": kid})
    secret = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                   serialization.NoEncryption())
    with open(state_file, "w") as f:
        json.dump({"origin": origin, "secret": b64u(secret), "nonce": nonce, "state": state,
                   "exp": now + 600, "paths": paths}, f)
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"}]}
    print(json.dumps({"request": token, "jwks": jwks}))


def refuse(reason: str) -> None:
    print(json.dumps({"error": "invalid_request", "error_description": reason}))
    sys.exit(1)


def receive(state_file: str, grant: str) -> None:
    with open(state_file) as f:
        st = json.load(f)
    header = jwt.get_unverified_header(grant)
    if header.get("alg") != "EdDSA" or header.get("typ") != "vnd.vouchsafe.grant+jwt":
        refuse("not a grant")
    x = header.get("jwk", {}).get("x", "")
    if header["jwk"].get("kty") != "OKP" or header["jwk"].get("crv") != "Ed25519":
        refuse("not an Ed25519 key")
    if header.get("kid") not in (None, thumbprint(x)):
        refuse("kid is not the thumbprint")
    key = Ed25519PublicKey.from_public_bytes(b64u_decode(x))
    try:
        claims = jwt.decode(grant, key, algorithms=["EdDSA"], audience=st["origin"],
                            options={"require": ["exp", "iat", "jti", "iss", "sub", "aud"]}, leeway=60)
    except jwt.PyJWTError as e:
        refuse(f"grant refused: {e}")
    urn = "urn:ietf:params:oauth:jwk-thumbprint:sha-256:" + thumbprint(x)
    if claims["iss"] != urn or claims["sub"] != urn:
        refuse("iss is not the key's thumbprint URN")
    if claims.get("nonce") != st["nonce"]:
        refuse("unknown nonce")
    if time.time() > st["exp"]:
        refuse("the request expired")
    envelope = {"iss", "sub", "aud", "iat", "nbf", "exp", "jti", "nonce", "status", "authorization_details"}
    received = []
    for name, value in claims.items():
        if name in envelope:
            continue
        if [name] in st["paths"]:
            received.append(name)
        elif isinstance(value, dict) and value and all([name, m] in st["paths"] for m in value):
            received += [f"{name}.{m}" for m in value]
        else:
            refuse(f"claim {name!r} was not asked for")
    for name in REQUIRED:
        if name not in claims:
            refuse(f"required claim {name!r} is missing")
    now = int(time.time())
    allowed = claims["authorization_details"][0].get("channels", {})
    receipt = {
        "iss": st["origin"], "aud": claims["iss"], "iat": now, "jti": b64u(secrets.token_bytes(16)),
        "grant": {"jti": claims["jti"], "sha256": b64u(hashlib.sha256(grant.encode()).digest())},
        "received": sorted(received), "retention": {"period": "P30D", "until": now + 30 * 86400},
        "channels": [{"channel": "email", "kind": "info"}] if allowed.get("email") else [],
        "events_uri": st["origin"] + "/vouchsafe/events",
    }
    private = Ed25519PrivateKey.from_private_bytes(b64u_decode(st["secret"]))
    kid = thumbprint(public_x(private))
    token = jwt.encode(receipt, private, algorithm="EdDSA",
                       headers={"typ": "vnd.vouchsafe.brand-receipt+jwt", "kid": kid})
    print(json.dumps({"receipt": token}))


if __name__ == "__main__":
    command, state_file, argument = sys.argv[1:4]
    {"request": request, "receive": receive}[command](state_file, argument)
