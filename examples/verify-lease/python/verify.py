#!/usr/bin/env python3
"""Verify a Leasehold lease offline, with PyJWT (and `cryptography` for Ed25519).

    python3 verify.py --jwks jwks.json --lease lease.jwt --product studio --fingerprint <this device>
                      [--account acc_...] [--now <unix seconds>] [--tolerance 300] [--state trusted-time.json]

Debian/Ubuntu: apt-get install python3-jwt python3-cryptography (or pip install "pyjwt[crypto]").

On success prints the verified claims as JSON on stdout and exits 0. On refusal prints
`REFUSED <CODE>: <why>` on stderr and exits 1; 2 is a usage error. The codes and the checks are
described in docs/verify-leases.md.
"""

import argparse
import json
import sys
import time

import jwt

LEASE_TYP = "leasehold-lease+jwt"
# Claims a lease always carries; a token without one of them is not a Leasehold lease.
REQUIRED = ["iss", "sub", "aud", "jti", "iat", "exp", "refreshAfter", "fingerprint", "mode", "seat", "entitlement"]


class Refused(Exception):
    def __init__(self, code, why):
        super().__init__(why)
        self.code = code


def pinned_key(jwks, kid):
    """The Ed25519 public key the JWKS pins under `kid`, or None."""
    for jwk in jwks.get("keys", []):
        if jwk.get("kid") == kid and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and isinstance(jwk.get("x"), str):
            return jwt.PyJWK(jwk, algorithm="EdDSA").key
    return None


def verify(token, jwks, product, fingerprint, account, now, tolerance, trusted_time):
    token = token.strip()
    if token.count(".") != 2:
        raise Refused("MALFORMED", "the lease is not a compact JWS (three base64url parts)")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as e:
        raise Refused("MALFORMED", f"the header is not JSON: {e}")
    # Pin the algorithm before touching a key: anything but EdDSA (none, HS256 with the public key as
    # the secret, RS256, ...) is refused outright.
    if header.get("alg") != "EdDSA":
        raise Refused("BAD_HEADER", f"alg is {header.get('alg')!r}, not 'EdDSA'")
    if header.get("typ") != LEASE_TYP:
        raise Refused("BAD_HEADER", f"typ is {header.get('typ')!r}, not {LEASE_TYP!r}")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise Refused("BAD_HEADER", "the header has no kid")
    key = pinned_key(jwks, kid)
    if key is None:
        raise Refused("UNKNOWN_KEY", f"key {kid} is not in the pinned JWKS")

    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["EdDSA"],
            audience=product,
            issuer=account,
            # The times are checked below, against `now` (which may be injected) and the trusted time.
            options={"require": REQUIRED, "verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_iss": account is not None},
        )
    except jwt.InvalidSignatureError:
        raise Refused("BAD_SIGNATURE", "the signature does not verify against the pinned key")
    except jwt.InvalidAudienceError:
        raise Refused("WRONG_PRODUCT", f"the lease is not for product {product!r}")
    except jwt.InvalidIssuerError:
        raise Refused("WRONG_ISSUER", f"the lease does not come from account {account!r}")
    except jwt.MissingRequiredClaimError as e:
        raise Refused("MALFORMED", f"the lease lacks a claim: {e}")
    except jwt.PyJWTError as e:
        raise Refused("MALFORMED", str(e))

    for name in ("iat", "exp", "refreshAfter"):
        if not isinstance(claims[name], int) or isinstance(claims[name], bool):
            raise Refused("MALFORMED", f"{name} is not an integer")
    if not isinstance(claims["entitlement"], dict) or not isinstance(claims["entitlement"].get("features"), dict):
        raise Refused("MALFORMED", "entitlement.features is missing")
    if claims["fingerprint"] != fingerprint:
        raise Refused("WRONG_DEVICE", "the lease is bound to another device")

    # The clock: the latest time known to be real is the lease's iat, or a later time this device
    # has already seen (the state file). A clock behind it by more than the tolerance was wound back.
    trusted = max(claims["iat"], trusted_time or 0)
    if now < trusted - tolerance:
        raise Refused("CLOCK_TAMPERED", f"the clock ({now}) is behind a time already seen ({trusted}) by more than {tolerance} s")
    if "nbf" in claims and (not isinstance(claims["nbf"], int) or now < claims["nbf"] - tolerance):
        raise Refused("NOT_YET_VALID", "the lease's nbf is still ahead")
    if now >= claims["exp"]:
        raise Refused("LEASE_EXPIRED", f"the lease expired at {claims['exp']} (now {now}): refresh it")
    return claims


def read_trusted_time(path):
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f).get("trustedTime")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError):
        raise Refused("CLOCK_TAMPERED", f"the trusted-time file {path} cannot be read")
    if not isinstance(value, int):
        raise Refused("CLOCK_TAMPERED", f"the trusted-time file {path} is damaged")
    return value


def main():
    p = argparse.ArgumentParser(description="Verify a Leasehold lease offline.")
    p.add_argument("--jwks", required=True, help="the pinned JWKS file (GET /.well-known/jwks.json, shipped with the app)")
    p.add_argument("--lease", required=True, help="a file holding the lease token (compact JWS)")
    p.add_argument("--product", required=True, help="your product code (the lease's aud)")
    p.add_argument("--fingerprint", required=True, help="this device's fingerprint, as sent when activating")
    p.add_argument("--account", help="the vendor account id (the lease's iss), when one server hosts several")
    p.add_argument("--now", type=int, help="the time to check against, in Unix seconds (default: the system clock)")
    p.add_argument("--tolerance", type=int, default=300, help="how far the clock may be behind the trusted time (s)")
    p.add_argument("--state", help="a file keeping the latest trusted time between runs (clock-rollback check)")
    args = p.parse_args()

    now = args.now if args.now is not None else int(time.time())
    try:
        with open(args.jwks, encoding="utf-8") as f:
            jwks = json.load(f)
        with open(args.lease, encoding="utf-8") as f:
            token = f.read()
    except (OSError, ValueError) as e:
        print(f"cannot read the inputs: {e}", file=sys.stderr)
        return 2
    try:
        trusted_time = read_trusted_time(args.state) if args.state else None
        claims = verify(token, jwks, args.product, args.fingerprint, args.account, now, args.tolerance, trusted_time)
    except Refused as r:
        print(f"REFUSED {r.code}: {r}", file=sys.stderr)
        return 1
    if args.state:
        # Time seen passing is real: keep the later of the lease's iat and this run's clock.
        with open(args.state, "w", encoding="utf-8") as f:
            json.dump({"trustedTime": max(claims["iat"], trusted_time or 0, now)}, f)
    print(json.dumps(claims, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
