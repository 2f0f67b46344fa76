#!/usr/bin/python3
"""Generates the JWT vectors of tests/vectors/jwt and the seed corpus of
fuzz/corpus/jwt with Debian's python3-jwt and python3-cryptography.

Keys: rsa.pem (RSA-2048) and ec.pem (P-256) are test-only keys, created on
the first run and reused afterwards, so re-running only re-signs the tokens
(RSA PKCS#1 v1.5 is deterministic; ECDSA is not, so ES256 tokens differ from
run to run but keep verifying). jwks.json is the public set that
fuzz/fuzz_jwt.c embeds; tokens are made for the fuzz target's fixed
expectations (issuer, audience, time NOW).

    /usr/bin/python3 tests/vectors/jwt/gen.py     # from the repository root
"""
import base64
import json
import os
import sys

import jwt
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "..", "fuzz", "corpus", "jwt")
NOW = 1714566896  # 2024-05-01T12:34:56Z: the fuzz target's clock
ISS = "https://oidc.example.com/id/FUZZ"
AUD = "sts.amazonaws.com"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def uint(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return b64u(n.to_bytes(size, "big"))


def load_or_make(name, make):
    path = os.path.join(HERE, name)
    if not os.path.exists(path):
        key = make()
        with open(path, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def main():
    rsa_key = load_or_make("rsa.pem", lambda: rsa.generate_private_key(65537, 2048))
    ec_key = load_or_make("ec.pem", lambda: ec.generate_private_key(ec.SECP256R1()))
    rn = rsa_key.public_key().public_numbers()
    en = ec_key.public_key().public_numbers()
    jwks = {"keys": [
        {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256", "n": uint(rn.n), "e": uint(rn.e)},
        {"kty": "EC", "kid": "ec-1", "use": "sig", "alg": "ES256", "crv": "P-256",
         "x": uint(en.x, 32), "y": uint(en.y, 32)},
    ]}
    with open(os.path.join(HERE, "jwks.json"), "w") as f:
        json.dump(jwks, f, separators=(",", ":"))
        f.write("\n")

    base = {"iss": ISS, "sub": "system:serviceaccount:default:app", "aud": AUD, "iat": NOW - 10,
            "exp": NOW + 3600}
    k8s = dict(base, aud=[AUD, "https://kubernetes.default.svc"], nbf=NOW - 10, jti="7c1d",
               **{"kubernetes.io": {"namespace": "default", "serviceaccount": {"name": "app", "uid": "5e9a"},
                                    "pod": {"name": "app-0", "uid": "91f2"}}})
    tokens = {
        # name: (token, iam_jwt_status_str of the answer at NOW)
        "01_rs256_good": (jwt.encode(base, rsa_key, "RS256", headers={"kid": "rsa-1"}), "ok"),
        "02_es256_good": (jwt.encode(base, ec_key, "ES256", headers={"kid": "ec-1"}), "ok"),
        "03_rs256_k8s": (jwt.encode(k8s, rsa_key, "RS256", headers={"kid": "rsa-1"}), "ok"),
        "04_es256_amr": (jwt.encode(dict(base, amr=["pwd", "mfa"], azp="cli"), ec_key, "ES256",
                                    headers={"kid": "ec-1"}), "ok"),
        "05_expired": (jwt.encode(dict(base, exp=NOW - 3600), rsa_key, "RS256", headers={"kid": "rsa-1"}),
                       "token expired"),
        "06_wrong_aud": (jwt.encode(dict(base, aud="someone"), ec_key, "ES256", headers={"kid": "ec-1"}),
                         "wrong audience"),
        "07_wrong_iss": (jwt.encode(dict(base, iss="https://evil.example.com"), rsa_key, "RS256",
                                    headers={"kid": "rsa-1"}), "wrong issuer"),
        "08_unknown_kid": (jwt.encode(base, rsa_key, "RS256", headers={"kid": "rsa-2"}), "no matching key"),
        "09_nbf_future": (jwt.encode(dict(base, nbf=NOW + 600), ec_key, "ES256", headers={"kid": "ec-1"}),
                          "token not valid yet"),
    }
    # alg none and HS256 keyed with the RSA public key (PEM): built by hand,
    # PyJWT refuses to make the second.
    hdr = b64u(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    pay = b64u(json.dumps(base).encode())
    tokens["10_alg_none"] = (hdr + "." + pay + ".", "algorithm not allowed")
    pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    hdr = b64u(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
    mac = hmac.HMAC(pem, hashes.SHA256())
    mac.update((hdr + "." + pay).encode())
    tokens["11_hs256_pubkey"] = (hdr + "." + pay + "." + b64u(mac.finalize()), "algorithm not allowed")

    os.makedirs(CORPUS, exist_ok=True)
    with open(os.path.join(HERE, "tokens.txt"), "w") as idx:
        idx.write("# name<TAB>iam_jwt_status_str of the verdict at %d<TAB>token (made by gen.py)\n" % NOW)
        for name, (tok, outcome) in tokens.items():
            idx.write("%s\t%s\t%s\n" % (name, outcome, tok))
            with open(os.path.join(CORPUS, name), "w") as f:
                f.write(tok)
    # token + "\n" + JWKS document: the second half is parsed as a key set
    jwks_text = json.dumps(jwks, separators=(",", ":"))
    with open(os.path.join(CORPUS, "12_token_and_jwks"), "w") as f:
        f.write(tokens["02_es256_good"][0] + "\n" + jwks_text)
    with open(os.path.join(CORPUS, "13_jwks_mixed"), "w") as f:
        mixed = {"keys": jwks["keys"] + [{"kty": "oct", "k": "c2VjcmV0"},
                                         {"kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"},
                                         {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}]}
        f.write(tokens["01_rs256_good"][0] + "\n" + json.dumps(mixed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
