"""Billing fixtures: localstripe (a real Stripe-compatible server, PyPI) in a
subprocess bound to 127.0.0.1 with a per-run store, a replay server for what
localstripe cannot do, signed webhook payloads, and a tenant of the test's own."""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import stripe

from billing import services
from billing.models import Subscription
from tests.billing.stripe_replay import StripeReplay, example
from tests.tenancy import api_client, sign_up, user_of

WEBHOOK_SECRET = "whsec_test_secret"
SERVER = Path(__file__).with_name("localstripe_server.py")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory):
    port = _free_port()
    store = tmp_path_factory.mktemp("localstripe") / "store.pickle"
    log = open(store.with_suffix(".log"), "w")
    process = subprocess.Popen([sys.executable, str(SERVER), str(port), str(store)], stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"localstripe did not start, see {log.name}") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)
    log.close()


@pytest.fixture
def online(settings, localstripe_url):
    """Billing online against localstripe."""
    settings.STRIPE_API_KEY = "sk_test_localstripe"
    settings.STRIPE_API_BASE = localstripe_url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    yield localstripe_url
    stripe.api_base = "https://api.stripe.com"


@pytest.fixture
def replay(settings):
    """Billing online against the replay server (tests/billing/stripe_replay.py)."""
    with StripeReplay() as server:
        settings.STRIPE_API_KEY = "sk_test_replay"
        settings.STRIPE_API_BASE = server.url
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        yield server
    stripe.api_base = "https://api.stripe.com"


@pytest.fixture
def tenant(db, spare_pool):
    """A tenant signed up inside the test transaction, with its subscription opened
    (what the sign-up task does), offline unless the test put billing online first."""
    tenant = sign_up(seats=3)
    services.open_subscription(tenant_id=tenant.pk)
    tenant.refresh_from_db()
    return tenant


@pytest.fixture
def admin_api(tenant):
    return api_client(tenant, user_of(tenant, "owner"))


def signed_event(event_type, obj, *, event_id=None, secret=WEBHOOK_SECRET, created=None):
    """(body, headers) of a webhook as Stripe signs it: HMAC-SHA256 of "<t>.<body>"."""
    created = created or int(time.time())
    body = json.dumps(
        {
            "id": event_id or f"evt_{hashlib.sha1(str(time.time_ns()).encode()).hexdigest()[:24]}",
            "object": "event",
            "type": event_type,
            "created": created,
            "api_version": "2025-03-31",
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()
    signature = hmac.new(secret.encode(), f"{created}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"HTTP_STRIPE_SIGNATURE": f"t={created},v1={signature}"}


class _Captured:
    def __init__(self):
        self.deliveries = []

    def wait_for(self, event_type, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for body, headers in self.deliveries:
                if json.loads(body)["type"] == event_type:
                    return body, headers
            time.sleep(0.1)
        raise AssertionError(f"localstripe sent no {event_type} within {timeout}s")


@pytest.fixture
def live_webhook(online):
    """Registers a capturing endpoint with localstripe (its /_config/webhooks);
    returns a function taking the event types, giving an object whose
    `wait_for(type)` returns (raw body, headers) as localstripe delivered them."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import requests

    captured = _Captured()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            captured.deliveries.append((body, {"HTTP_STRIPE_SIGNATURE": self.headers.get("Stripe-Signature", "")}))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def register(events):
        response = requests.post(
            f"{online}/_config/webhooks/crm-tests",
            timeout=5,
            json={"url": f"http://127.0.0.1:{server.server_port}/", "secret": WEBHOOK_SECRET, "events": events},
        )
        response.raise_for_status()
        return captured

    yield register
    server.shutdown()
    server.server_close()


@pytest.fixture
def replayed(tenant, replay):
    """The tenant's subscription as if opened in Stripe; the replay server answers
    for it with whatever state the test sets in `replayed.state`."""
    subscription = Subscription.objects.get(tenant=tenant)
    subscription.stripe_customer_id = "cus_Na6dX7aXxi11N4"
    subscription.stripe_subscription_id = "sub_1MowQVLkdIwHu7ixeRlqHVzs"
    subscription.stripe_item_id = "si_Na6dzxczY5fwHx"
    subscription.save()
    state = example("subscription", status="trialing")
    replay.routes[("GET", "/v1/subscriptions/sub_1MowQVLkdIwHu7ixeRlqHVzs")] = lambda params: state
    replay.state = state
    replay.tenant = tenant
    return replay
