"""A small HTTP server answering like Stripe for what localstripe cannot do
(Checkout, the Customer Portal, invoice previews, subscriptions in states such as
past_due that localstripe cannot reach without its clock). The real stripe SDK
talks to it over HTTP; the bodies are Stripe API responses shaped after Stripe's
API reference (tests/billing/stripe_examples/), with ids filled in by the test."""

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

EXAMPLES = Path(__file__).parent / "stripe_examples"


def example(name, **overrides):
    body = json.loads((EXAMPLES / f"{name}.json").read_text())
    body.update(overrides)
    return body


class StripeReplay:
    """routes: {(method, path): body or callable(params) -> body}; `requests` records what the SDK sent."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode()) if length else {}
                params = {**parse_qs(url.query), **form}
                replay.requests.append((self.command, url.path, params, dict(self.headers)))
                found = replay.routes.get((self.command, url.path))
                if found is None:
                    status, body = (
                        404,
                        {"error": {"type": "invalid_request_error", "message": f"No such route {url.path}"}},
                    )
                else:
                    status, body = 200, copy.deepcopy(found(params) if callable(found) else found)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
