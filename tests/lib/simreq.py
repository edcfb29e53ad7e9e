"""Signed raw requests to amiwiz-sim for the integration suites.

Signing is botocore's (Debian python3-botocore), so the sim is checked against
a signer nobody here wrote.  call() returns (status, headers, body) or raises
ConnectionError when the server closed the connection without answering.
"""
import http.client
import urllib.parse

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def call(url, service, method="POST", path="/", body=b"", headers=None,
         key=KEY, secret=SECRET, sign=True, region="us-east-1", timeout=30):
    headers = dict(headers or {})
    if isinstance(body, str):
        body = body.encode()
    full = url.rstrip("/") + path
    if sign:
        req = AWSRequest(method=method, url=full, data=body, headers=headers)
        auth = S3SigV4Auth if service == "s3" else SigV4Auth
        auth(Credentials(key, secret), service, region).add_auth(req)
        headers = dict(req.headers.items())
    u = urllib.parse.urlsplit(full)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, u.path + ("?" + u.query if u.query else ""), body=body,
                     headers=headers)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
        raise ConnectionError(str(e))
    finally:
        conn.close()


def ec2(url, form, **kw):
    """An EC2 Query call: form is the already-encoded body."""
    return call(url, "ec2", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, **kw)
