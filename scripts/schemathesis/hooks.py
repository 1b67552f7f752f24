"""Schemathesis auth for the sign-up flow: real tokens where the contract asks for a bearer token.

A registration token is single-use (creating the customer consumes it), so every `createCustomer` call gets a fresh
identity's token; the other bearer operations share one customer's token. The `ignored_auth` check still sends its
own requests without credentials or with bad ones.
"""

import json
import os
import urllib.request
import uuid

import schemathesis

BASE = os.environ["SCHEMATHESIS_BASE_URL"]
KEY = os.environ["SCHEMATHESIS_PUBLISHABLE_KEY"]
PASSWORD = "supersecret"


def _post(path, body, token=None):
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("content-type", "application/json")
    request.add_header("x-publishable-api-key", KEY)
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _registration():
    email = f"st-{uuid.uuid4().hex}@example.com"
    return email, _post("/auth/customer/emailpass/register", {"email": email, "password": PASSWORD})["token"]


def _customer_token():
    email, token = _registration()
    _post("/store/customers", {"email": email}, token)
    return _post("/auth/customer/emailpass", {"email": email, "password": PASSWORD})["token"]


@schemathesis.auth()
class SignUpTokens:
    def get(self, case, ctx):
        return _customer_token()

    def set(self, case, data, ctx):
        operation_id = case.operation.definition.raw.get("operationId")
        token = _registration()[1] if operation_id == "createCustomer" else data
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


@schemathesis.hook
def filter_body(ctx, body):
    """The contract refuses NUL in `metadata` in words: JSON Schema cannot say it of arbitrary values."""
    return not (isinstance(body, dict) and _has_nul(body.get("metadata")))
