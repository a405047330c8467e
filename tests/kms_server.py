"""An AWS KMS protocol server on 127.0.0.1 for tests: moto 5 in this process, signatures checked.

moto checks SigV4 signatures and IAM policies only after ``INITIAL_NO_AUTH_ACTION_COUNT`` unsigned
calls; the set-up spends exactly those on IAM and STS (two users with policies and access keys, a
role, a session on it), so every KMS call after it is authenticated like on AWS:

* ``user``: may use every KMS action; it also creates the symmetric key the tests use;
* ``denied``: the same, plus an explicit IAM Deny on ``kms:Decrypt`` (a revoked grant);
* ``no_generate``: the same, plus an explicit IAM Deny on ``kms:GenerateDataKey`` (may open, not seal);
* ``role``: temporary credentials (access key, secret, session token) from STS AssumeRole on a role
  that may use every KMS action.

Browsers preflight the signed POST (``Authorization``, ``X-Amz-*`` and a non-simple Content-Type).
With authentication on, moto's own CORS layer fails the preflight, so a small WSGI front on the same
port answers OPTIONS itself and adds ``Access-Control-Allow-Origin`` to everything moto answers.

moto answers authentication and IAM failures as XML (HTTP 403) even for JSON services, where AWS KMS
answers JSON ``{"__type": ..., "message": ...}``. The front rewrites those into KMS's JSON shape
(code, message and status kept) so tests see what AWS sends; set ``server.front.translate_errors =
False`` to get moto's raw XML (the client's fallback path for non-JSON answers).

``SlowProxy`` is a front that holds every POST before passing it on (a KMS slower than the client's
timeout); ``closed_port()`` is a port where nothing listens (KMS down).

moto's settings and backends are process globals: ``start()`` empties the backends, ``stop()`` puts the
settings back. One server per process at a time.
"""

import http.client
import http.server
import json
import socket
import threading
from urllib.parse import urlsplit
from xml.etree import ElementTree

import boto3
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.moto_api._internal import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

REGION = "us-east-1"
_ALLOW_KMS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}
_DENY_DECRYPT = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"},
    ],
}
_DENY_GENERATE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "kms:GenerateDataKey", "Resource": "*"},
    ],
}
_USERS = {"user": _ALLOW_KMS, "denied": _DENY_DECRYPT, "no_generate": _DENY_GENERATE}
_TRUST_ANYONE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
# create_user, put_user_policy, create_access_key per user; create_role, put_role_policy, assume_role.
_FREE_CALLS = 3 * len(_USERS) + 3


class _Front:
    """WSGI middleware: answer CORS preflights, let moto answer the rest (errors as JSON), open to every origin."""

    def __init__(self, app):
        self.app = app
        self.translate_errors = True

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "OPTIONS":
            requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
            start_response(
                "204 No Content",
                [
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Allow-Methods", "POST"),
                    # "*" does not cover Authorization: name the requested headers one by one.
                    ("Access-Control-Allow-Headers", requested),
                    ("Access-Control-Max-Age", "600"),
                    ("Content-Length", "0"),
                ],
            )
            return [b""]

        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return lambda data: None  # moto returns its body; nothing writes through this

        answer = self.app(environ, capture)
        try:
            body = b"".join(answer)
        finally:
            getattr(answer, "close", lambda: None)()
        headers = [(k, v) for k, v in seen["headers"] if not k.lower().startswith("access-control-")]
        if self.translate_errors and "HTTP_X_AMZ_TARGET" in environ and body.startswith(b"<?xml"):
            body, headers = _xml_error_as_json(body, headers)
        start_response(seen["status"], [*headers, ("Access-Control-Allow-Origin", "*")])
        return [body]


def _xml_error_as_json(body, headers):
    error = ElementTree.fromstring(body).find(".//Error")
    answer = {"__type": error.findtext("Code"), "message": error.findtext("Message")}
    body = json.dumps(answer).encode()
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
    return body, [*kept, ("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))]


class _QuietHandler(MotoRequestHandler):
    def log(self, *args):
        pass


class KmsServer:
    """A running server: ``url``, ``credentials[name]`` (access key id, secret), ``key_id``, ``key_arn``."""

    def __init__(self):
        self._saved = (settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count)
        moto_api_backend.reset()  # moto's backends are process globals too: start from nothing
        settings.INITIAL_NO_AUTH_ACTION_COUNT = _FREE_CALLS
        ActionAuthenticatorMixin.request_count = 0
        self.front = _Front(DomainDispatcherApplication(create_backend_app))
        self._server = make_server("127.0.0.1", 0, self.front, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        try:
            self.credentials = self._make_users()
            self.key_arn = self.client("kms", "user").create_key(Description="foc-web tests")["KeyMetadata"]["Arn"]
        except BaseException:
            self.stop()
            raise
        self.key_id = self.key_arn.rsplit("/", 1)[1]

    def _make_users(self):
        unsigned = {"endpoint_url": self.url, "region_name": REGION, "aws_access_key_id": "set-up",
                    "aws_secret_access_key": "set-up"}  # any key: these calls are the free ones
        iam = boto3.client("iam", **unsigned)
        credentials = {}
        for name, policy in _USERS.items():
            iam.create_user(UserName=name)
            iam.put_user_policy(UserName=name, PolicyName="kms", PolicyDocument=json.dumps(policy))
            key = iam.create_access_key(UserName=name)["AccessKey"]
            credentials[name] = (key["AccessKeyId"], key["SecretAccessKey"], None)
        role = iam.create_role(RoleName="kms-role", AssumeRolePolicyDocument=json.dumps(_TRUST_ANYONE))["Role"]
        iam.put_role_policy(RoleName="kms-role", PolicyName="kms", PolicyDocument=json.dumps(_ALLOW_KMS))
        sts = boto3.client("sts", **unsigned)
        session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="foc-web-tests")["Credentials"]
        credentials["role"] = (session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])
        return credentials

    def client(self, service, user):
        """A boto3 client signing as ``user`` (the reference client, for cross-checks)."""
        access_key, secret_key, token = self.credentials[user]
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            aws_session_token=token,
        )

    def config(self, user="user", **overrides):
        """A foc_web storage option dict for ``external_kms`` pointing at this server."""
        access_key, secret_key, token = self.credentials[user]
        kms = {
            "key_id": self.key_id,
            "region": REGION,
            "endpoint": self.url,
            "access_key_id": access_key,
            "secret_access_key": secret_key,
            "timeout": 10,
        }
        if token:
            kms["session_token"] = token
        return {"type": "external_kms", "kms": {**kms, **overrides}}

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count = self._saved


def start():
    """Start a server; the caller stops it with ``.stop()``."""
    return KmsServer()


def closed_port():
    """A loopback port nothing listens on (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlowProxy:
    """A proxy on 127.0.0.1 in front of ``target``: preflights pass at once, each POST waits ``delay`` seconds
    before it is forwarded (byte for byte, Host kept, so the signature still verifies) and answered.

    ``posts`` counts the POSTs that arrived; ``stop()`` drops those still waiting."""

    def __init__(self, target, delay):
        self.delay = delay
        self.posts = 0
        self._stopping = threading.Event()
        upstream = urlsplit(target)
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "POST":
                    proxy.posts += 1
                    if proxy._stopping.wait(proxy.delay):
                        return
                connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
                try:
                    connection.request(self.command, self.path, body, dict(self.headers.items()))
                    answer = connection.getresponse()
                    payload = answer.read()
                    self.send_response(answer.status)
                    for name, value in answer.getheaders():
                        if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (its timeout) and closed the connection
                    pass
                finally:
                    connection.close()

            do_POST = do_OPTIONS = _forward

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
