"""Start localstripe bound to 127.0.0.1 with its store in a file of our choosing.

localstripe itself binds every interface and keeps its state in
/tmp/localstripe.pickle; this wrapper keeps a test run's Stripe to itself.
Usage: python localstripe_server.py <port> <store-file>
"""

import pickle
import sys
from pathlib import Path

from aiohttp import web
from localstripe import resources, server

PORT = int(sys.argv[1])
STORE = Path(sys.argv[2])


def _load(store):
    if STORE.exists():
        store.update(pickle.loads(STORE.read_bytes()))


def _dump(store):
    STORE.write_bytes(pickle.dumps(dict(store), protocol=pickle.HIGHEST_PROTOCOL))


resources.Store.try_load_from_disk = _load
resources.Store.dump_to_disk = _dump

if __name__ == "__main__":
    web.run_app(server.app, host="127.0.0.1", port=PORT, print=None)
