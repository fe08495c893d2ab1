"""Under gunicorn with several workers (PROMETHEUS_MULTIPROC_DIR set) /metrics
adds up what every worker process recorded."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from ops.observability import gunicorn as gunicorn_settings

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
RECORD = (
    "from ops.observability import metrics; "
    "metrics.observe_request(view='login', method='GET', status=200, seconds=0.2)"
)


def record_in_another_process(directory):
    # A fresh interpreter, as a gunicorn worker is: prometheus_client picks its
    # file-backed values when imported with the variable set.
    subprocess.run(
        [sys.executable, "-c", RECORD],
        check=True,
        cwd=ROOT,
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
    )


def test_metrics_adds_up_every_worker_process(tmp_path, monkeypatch, settings):
    settings.METRICS_TOKEN = "multiprocess-token"
    record_in_another_process(tmp_path)
    record_in_another_process(tmp_path)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    text = Client(HTTP_AUTHORIZATION="Bearer multiprocess-token").get("/metrics").content.decode()

    [family] = [f for f in text_string_to_metric_families(text) if f.name == "crm_http_request_duration_seconds"]
    [count] = [s.value for s in family.samples if s.name.endswith("_count")]
    assert count == 2
    # The database-backed gauges come along; they are read at scrape time, not from files.
    assert "crm_spare_schema_pool_size" in text


def test_gunicorn_starts_with_an_empty_metrics_directory(tmp_path, monkeypatch):
    record_in_another_process(tmp_path)
    (tmp_path / "keep.txt").write_text("not ours")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    gunicorn_settings.on_starting(server=None)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
