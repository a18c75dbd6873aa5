"""The wheel works anywhere: built, installed into a fresh venv, it drafts Spotify offline from an empty folder."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)


def test_installed_wheel_drafts_spotify_from_an_empty_folder(tmp_path: Path) -> None:
    # The caller's settings are cleaned by conftest; PYTHONPATH (how a checkout's tests find the package) goes
    # too, so the package comes from the wheel alone.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    wheels = tmp_path / "wheels"
    # The build backend pyproject names, called once as a PEP 517 frontend does (`pip wheel` calls it three
    # times, each in a process of its own: 2.5 s instead of 1 s).
    build = "import sys\nfrom setuptools import build_meta\nbuild_meta.build_wheel(sys.argv[1])\n"
    built = _run([sys.executable, "-c", build, str(wheels)], ROOT, env)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "naftiko_writer/resources/taxonomy/taxonomy.yaml" in names
    assert "naftiko_writer/resources/prompts/system.md" in names
    assert "naftiko_writer/resources/pricing/prices.yaml" in names
    assert "naftiko_writer/resources/fixtures/companies/spotify/signals.yaml" in names
    assert not [name for name in names if "fake_server" in name or "live_check" in name or name.startswith("tests/")]

    # The dependencies come from this interpreter's environment (no network), whether it is a virtual
    # environment or not: `system_site_packages` would give the base interpreter's packages, not an active
    # venv's, so the new venv lists this one's site-packages folders in a .pth file instead (as plain paths:
    # their own .pth files, an editable install of this checkout among them, are not run). The package
    # itself comes only from the wheel, installed in the venv's own site-packages, which comes first.
    environment = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(environment)
    python = environment / "bin" / "python"
    (own_site,) = (environment / "lib").glob("python3*/site-packages")
    outer = [path for path in sys.path if path.endswith("site-packages") and Path(path).is_dir()]
    (own_site / "outer-environment.pth").write_text("".join(f"{path}\n" for path in outer))
    # pip run by the venv's own interpreter (it sees this one's packages) installs into the venv.
    installed = _run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-compile", "-q", str(wheel)], tmp_path, env
    )
    assert installed.returncode == 0, installed.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    where = _run([str(python), "-c", "import naftiko_writer; print(naftiko_writer.__file__)"], empty, env)
    assert where.stdout.strip().startswith(str(environment)), where.stdout + where.stderr
    drafted = _run([str(environment / "bin" / "naftiko-writer"), "draft", "spotify", "--out", "spotify.md"], empty, env)
    assert drafted.returncode == 0, drafted.stderr
    text = (empty / "spotify.md").read_text(encoding="utf-8")
    assert text.startswith("<!--") and "# Spotify Technology Investment Impact Report" in text
    assert "source=fallback" not in text
