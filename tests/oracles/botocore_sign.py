#!/usr/bin/python3
"""Sign generated requests with botocore, the oracle for aws/sigv4.

    botocore_sign.py --seed N --out FILE [--scale K]

Generates requests deterministically from the seed (random.Random(seed)),
signs each with botocore's own signers (SigV4Auth, S3SigV4Auth,
SigV4QueryAuth, S3SigV4QueryAuth) at a fixed time per request, and writes one
JSON object per line:

    id, category, signer, method, path (wire), query ([name, value|null] pairs,
    decoded), headers ([name, value] pairs, Host included, as sent to the
    signer), body_hex, payload_hash (when the C side is to be given the hash
    instead of the body), payload_signing (false: botocore signs
    UNSIGNED-PAYLOAD), service, region, when (epoch seconds), akid, secret,
    token, expires (presign), and what botocore produced: authorization
    (header form), added (the X-Amz-Date / X-Amz-Security-Token /
    X-Amz-Content-SHA256 headers it set), auth_query (query form: the
    X-Amz-Algorithm=...&X-Amz-Signature=... tail of the signed URL).

The keys are made up here (AKIA + random); no real credential is involved.
"""
import argparse
import base64
import datetime
import hashlib
import json
import random
import sys
import types
from urllib.parse import quote, urlsplit

from botocore.auth import (
    S3SigV4Auth,
    S3SigV4QueryAuth,
    SigV4Auth,
    SigV4QueryAuth,
    _host_from_url,
)
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence

# --- a clock botocore reads instead of the real one ---------------------------
_NOW = [datetime.datetime(2015, 8, 30, 12, 36, 0)]


class _FixedDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return _NOW[0]


botocore.auth.datetime = types.SimpleNamespace(datetime=_FixedDatetime)

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"]
ODD = [" ", "  ", "&", "=", "+", "%", "%20", "/", "?", "#", "~", "*", "'", "!", "(", ")",
       ",", ";", ":", "@", "$", "\n", "\t", '"', "<", ">", "\\", "^", "`", "{", "}", "|",
       "é", "ü", "ß", "ሴ", "日本", "😀", "\u00a0", "-", "_", "."]
PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def word(self, lo=1, hi=10):
        return "".join(self.r.choice(PLAIN) for _ in range(self.r.randint(lo, hi)))

    def odd_text(self, n=6):
        parts = []
        for _ in range(self.r.randint(1, n)):
            parts.append(self.r.choice(ODD) if self.r.random() < 0.5 else self.word(1, 5))
        return "".join(parts)

    def header_value(self):
        # ASCII only (botocore's whitespace folding uses str.split(), which
        # also splits on Unicode spaces), with runs of spaces and tabs
        v = ""
        for _ in range(self.r.randint(1, 5)):
            v += self.r.choice(["", " ", "   ", "\t", " \t "]) + self.word(1, 6)
            if self.r.random() < 0.3:
                v += self.r.choice([",", ";", "=", "/", "+", '"', "(x)"])
        return self.r.choice(["", " ", "  "]) + v + self.r.choice(["", " ", "\t", "   "])

    def mixed_case(self, name):
        return "".join(c.upper() if self.r.random() < 0.5 else c.lower() for c in name)

    def when(self):
        # any second between 2001 and 2037
        secs = self.r.randint(978307200, 2145916799)
        return secs

    def creds(self, token_prob=0.4):
        akid = "AKIA" + "".join(self.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
        secret = "".join(self.r.choice(PLAIN + "+/") for _ in range(40))
        token = None
        if self.r.random() < token_prob:
            token = base64.b64encode(bytes(self.r.getrandbits(8) for _ in range(self.r.randint(40, 300)))).decode()
        return akid, secret, token

    def query(self, repeat=True):
        q = []
        for _ in range(self.r.randint(0, 6)):
            name = self.r.choice([self.word(1, 8), self.odd_text(3), "uploads", "partNumber", "uploadId", "a"])
            value = self.r.choice([None, "", self.word(0, 10), self.odd_text(4)])
            q.append([name, value])
            if repeat and self.r.random() < 0.3:
                q.append([name, self.r.choice([None, "", self.word(0, 5), self.odd_text(2)])])
        self.r.shuffle(q)
        return q

    def extra_headers(self, n=3):
        h = []
        for _ in range(self.r.randint(0, n)):
            name = self.mixed_case(self.r.choice(["x-amz-meta-" + self.word(1, 8).lower(), "X-Custom", "content-language", "x-amz-meta-a", "x-amz-meta-ab", "If-Match"]))
            h.append([name, self.header_value()])
            if self.r.random() < 0.2:
                h.append([name, self.header_value()])
        # headers botocore (and we) leave unsigned
        if self.r.random() < 0.3:
            h.append(["User-Agent", "amiwiz/0.1 " + self.word(1, 5)])
        if self.r.random() < 0.1:
            h.append(["Expect", "100-continue"])
        return h


def wire_query(q):
    parts = []
    for name, value in q:
        p = quote(name.encode(), safe="-_.~")
        if value is not None:
            p += "=" + quote(value.encode(), safe="-_.~")
        parts.append(p)
    return "&".join(parts)


def sign(g, case):
    """Sign `case` with botocore, fill in the expected results."""
    url = "https://" + case["netloc"] + case["path"]
    if case["query"] and case["signer"] in ("SigV4Auth", "S3SigV4Auth"):
        url += "?" + wire_query(case["query"])
    elif case["query"]:
        # the presign signers re-encode the query themselves (from a dict,
        # so no repeated names there)
        url += "?" + wire_query(case["query"])
    body = bytes.fromhex(case["body_hex"])
    req = AWSRequest(method=case["method"], url=url, data=body)
    for name, value in case["headers"]:
        req.headers[name] = value  # email.message semantics: appends repeats
    if case.get("payload_signing") is False:
        req.context["payload_signing_enabled"] = False
        req.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    _NOW[0] = datetime.datetime.utcfromtimestamp(case["when"])
    creds = Credentials(case["akid"], case["secret"], case["token"])
    cls = {"SigV4Auth": SigV4Auth, "S3SigV4Auth": S3SigV4Auth,
           "SigV4QueryAuth": SigV4QueryAuth, "S3SigV4QueryAuth": S3SigV4QueryAuth}[case["signer"]]
    if "Query" in case["signer"]:
        signer = cls(creds, case["service"], case["region"], expires=case["expires"])
    else:
        signer = cls(creds, case["service"], case["region"])
    signer.add_auth(req)
    if "Query" in case["signer"]:
        q = urlsplit(req.url).query
        i = q.index("X-Amz-Algorithm=")
        case["auth_query"] = q[i:]
    else:
        case["authorization"] = req.headers["Authorization"]
        added = {}
        for n in ("X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256"):
            if n in req.headers:
                added[n] = req.headers[n]
        case["added"] = added
    # the Host the C side must send: what botocore derived from the URL
    case["headers"] = [["Host", _host_from_url(url)]] + case["headers"]
    del case["netloc"]
    return case


def base(g, cat, signer, service, method, path, netloc=None):
    akid, secret, token = g.creds()
    region = g.r.choice(REGIONS) if service != "iam" else "us-east-1"
    return {
        "category": cat, "signer": signer, "service": service, "region": region,
        "method": method, "path": path, "query": [], "headers": [], "body_hex": "",
        "when": g.when(), "akid": akid, "secret": secret, "token": token,
        "netloc": netloc or f"{service}.{region}.amazonaws.com",
    }


def s3_key(g):
    return "/".join(g.r.choice([g.word(1, 8), g.odd_text(4), "日本語", "a b", "x+y", "~t"]) for _ in range(g.r.randint(1, 3)))


def gen_ec2_form(g):
    c = base(g, "ec2-form", "SigV4Auth", "ec2", "POST", "/")
    params = [("Action", g.r.choice(["RegisterImage", "DescribeImages", "ImportSnapshot", "CreateTags"])),
              ("Version", "2016-11-15")]
    for i in range(g.r.randint(0, 8)):
        params.append((g.r.choice(["Name", "Description", f"Tag.{i + 1}.Value", f"Filter.{i + 1}.Name", "BlockDeviceMapping.1.DeviceName"]), g.odd_text(8)))
    body = percent_encode_sequence(params).encode()
    c["headers"] = [["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"]] + g.extra_headers(1)
    c["body_hex"] = body.hex()
    return c


def gen_s3_put(g, unsigned):
    bucket = g.word(3, 12).lower()
    key = s3_key(g)
    path = "/" + bucket + "/" + quote(key.encode(), safe="/~")
    c = base(g, "s3-put-unsigned" if unsigned else "s3-put-hash", "S3SigV4Auth", "s3", "PUT", path,
             netloc=g.r.choice(["s3.amazonaws.com", "s3.eu-west-1.amazonaws.com", "127.0.0.1:9000", "localhost:4569"]))
    body = bytes(g.r.getrandbits(8) for _ in range(g.r.randint(0, 300)))
    c["body_hex"] = body.hex()
    if g.r.random() < 0.5:
        c["query"] = [["partNumber", str(g.r.randint(1, 10000))], ["uploadId", g.word(10, 40)]]
    c["headers"] = [["Content-Length", str(len(body))]] + g.extra_headers(3)
    if unsigned:
        c["payload_signing"] = False
        c["headers"].append(["Content-MD5", base64.b64encode(hashlib.md5(body).digest()).decode()])
    elif g.r.random() < 0.5:
        # the C side gets the hash, not the body (a streamed upload)
        c["payload_hash"] = hashlib.sha256(body).hexdigest()
    return c


def gen_ebs_block(g):
    snap = "snap-" + "".join(g.r.choice("0123456789abcdef") for _ in range(17))
    path = f"/snapshots/{snap}/blocks/{g.r.randint(0, 131071)}"
    c = base(g, "ebs-putblock", "SigV4Auth", "ebs", "PUT", path)
    body = bytes(g.r.getrandbits(8) for _ in range(g.r.randint(1, 512)))
    c["body_hex"] = body.hex()
    hdrs = [["x-amz-Checksum", base64.b64encode(hashlib.sha256(body).digest()).decode()],
            ["x-amz-Checksum-Algorithm", "SHA256"],
            ["x-amz-Data-Length", "524288"],
            ["Content-Type", "application/octet-stream"]]
    if g.r.random() < 0.7:
        hdrs.append(["x-amz-Progress", str(g.r.randint(0, 100))])
    g.r.shuffle(hdrs)
    c["headers"] = hdrs + g.extra_headers(1)
    c["payload_signing"] = False  # PutSnapshotBlock's body is not signed
    return c


def gen_ebs_json(g):
    c = base(g, "ebs-json", "SigV4Auth", "ebs", "POST",
             g.r.choice(["/snapshots", "/snapshots/completion/snap-0123456789abcdef0"]))
    body = json.dumps({"VolumeSize": g.r.randint(1, 16384), "Description": g.odd_text(6),
                       "ClientToken": g.word(10, 30)}).encode()
    c["body_hex"] = body.hex()
    c["headers"] = [["Content-Type", "application/json"]] + g.extra_headers(2)
    if "completion" in c["path"]:
        c["headers"] += [["x-amz-ChangedBlocksCount", str(g.r.randint(0, 9999))],
                         ["x-amz-Checksum-Aggregation-Method", "LINEAR"],
                         ["x-amz-Checksum-Algorithm", "SHA256"],
                         ["x-amz-Checksum", base64.b64encode(hashlib.sha256(body).digest()).decode()]]
    return c


def gen_unicode_path(g):
    s3 = g.r.random() < 0.5
    key = s3_key(g)
    if s3:
        path = "/" + g.word(3, 10).lower() + "/" + quote(key.encode(), safe="/~")
        c = base(g, "unicode-path", "S3SigV4Auth", "s3", g.r.choice(["GET", "HEAD", "DELETE"]), path)
    else:
        path = "/" + quote(key.encode(), safe="/~")
        c = base(g, "unicode-path", "SigV4Auth", g.r.choice(["ebs", "sts", "iam", "execute-api"]), "GET", path)
    c["query"] = g.query()
    c["headers"] = g.extra_headers(2)
    return c


def gen_query(g):
    svc = g.r.choice(["ec2", "s3", "iam", "sts"])
    signer = "S3SigV4Auth" if svc == "s3" else "SigV4Auth"
    c = base(g, "query-repeat", signer, svc, g.r.choice(["GET", "POST", "DELETE"]), "/" + (g.word(3, 8).lower() + "/" + g.word(1, 8) if svc == "s3" else ""))
    c["query"] = g.query() + [[g.r.choice(["uploads", "acl", "Action"]), g.r.choice([None, ""])]]
    c["headers"] = g.extra_headers(3)
    return c


def gen_normalize(g):
    segs = []
    for _ in range(g.r.randint(1, 6)):
        segs.append(g.r.choice([".", "..", "", g.word(1, 5), quote(g.odd_text(2).encode(), safe="~")]))
    path = "/" + "/".join(segs) + g.r.choice(["", "/", "//"])
    s3 = g.r.random() < 0.3
    c = base(g, "normalize-path", "S3SigV4Auth" if s3 else "SigV4Auth", "s3" if s3 else g.r.choice(["ec2", "ebs", "service"]), "GET", path)
    c["headers"] = g.extra_headers(1)
    return c


def gen_presign(g):
    s3 = g.r.random() < 0.7
    if s3:
        path = "/" + g.word(3, 10).lower() + "/" + quote(s3_key(g).encode(), safe="/~")
        c = base(g, "presign", "S3SigV4QueryAuth", "s3", g.r.choice(["GET", "PUT"]), path)
    else:
        c = base(g, "presign", "SigV4QueryAuth", g.r.choice(["ec2", "sts", "rds"]), "GET", "/")
    # presign signers keep one value per name
    seen = set()
    for name, value in g.query(repeat=False):
        if name not in seen:
            seen.add(name)
            c["query"].append([name, value if value is not None else ""])
    c["expires"] = g.r.choice([1, 60, 900, 3600, 86400, 604800])
    if g.r.random() < 0.3:
        c["headers"] = [["x-amz-meta-" + g.word(1, 5).lower(), g.header_value()]]
    return c


CATEGORIES = [
    ("ec2-form", 250, gen_ec2_form),
    ("s3-put-hash", 150, lambda g: gen_s3_put(g, False)),
    ("s3-put-unsigned", 100, lambda g: gen_s3_put(g, True)),
    ("ebs-putblock", 150, gen_ebs_block),
    ("ebs-json", 50, gen_ebs_json),
    ("unicode-path", 100, gen_unicode_path),
    ("query-repeat", 100, gen_query),
    ("normalize-path", 60, gen_normalize),
    ("presign", 100, gen_presign),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20150830)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args()
    g = Gen(a.seed)
    n = 0
    with open(a.out, "w", encoding="utf-8") as f:
        for _, count, fn in CATEGORIES:
            for _ in range(max(1, int(count * a.scale))):
                case = sign(g, fn(g))
                case["id"] = n
                n += 1
                f.write(json.dumps(case, ensure_ascii=True) + "\n")
    print(n)


if __name__ == "__main__":
    sys.exit(main())
