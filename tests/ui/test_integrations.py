"""Integrations and packaging the outside review found wanting (issue 11): the Nagios
command line, cron and systemd finding a pipx install, the sweep unit's sandbox, contrib/
in the wheel, and alert names that look like global options."""

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import BILLING, NOW, itsm, ok, open_ticket, show

ROOT = Path(__file__).resolve().parents[2]
CONTRIB = ROOT / "contrib"
PIPX_BIN = "/home/itsmctl/.local/bin"          # `pipx install` as the desk's user
LATER = "2026-11-25T10:05:00+08:00"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ITSMCTL_", "NAGIOS_"))}
    env.update(ITSMCTL=f"{sys.executable} -m itsmctl", PYTHONPATH=str(ROOT), **extra)
    return env


# ---------------------------------------------------------------- Nagios (I8)
def _nagios_commands() -> dict[str, str]:
    text = (CONTRIB / "nagios" / "commands.cfg").read_text(encoding="utf-8")
    return dict(re.findall(r"command_name\s+(\S+)\s+command_line\s+(.+)", text))


def test_I8_no_nagios_macro_is_put_on_a_shell_command_line():
    commands = _nagios_commands()
    assert set(commands) == {"notify-service-by-itsmctl", "notify-host-by-itsmctl"}
    for name, line in commands.items():
        assert not re.search(r"\$[A-Z_]+\$", line), f"{name} puts a macro on the line"
    assert "enable_environment_macros=1" in (CONTRIB / "nagios" / "commands.cfg").read_text()


HOSTILE = 'DISK CRITICAL $(touch pwned-dollar) `touch pwned-tick` "; touch pwned-quote; "'


@pytest.mark.slow
def test_I8_nagios_plugin_output_never_reaches_a_shell(desk, tmp_path):
    """Nagios puts the macros' values into command_line and runs it with /bin/sh -c; the
    environment carries them too (enable_environment_macros=1). Do exactly that."""
    macros = {"NOTIFICATIONTYPE": "PROBLEM", "HOSTNAME": "crm-web01", "SERVICEDESC": "Disk /",
              "SERVICESTATE": "CRITICAL", "SERVICEOUTPUT": HOSTILE, "SERVICEPROBLEMID": "91",
              "LASTSERVICEPROBLEMID": "0"}
    line = _nagios_commands()["notify-service-by-itsmctl"]
    for key, value in macros.items():
        line = line.replace(f"${key}$", value)
    line = line.replace("/usr/bin/python3", shlex.quote(sys.executable))
    for where in ("/usr/local/lib/itsmctl-nagios.py", "/opt/itsmctl/contrib/nagios/"
                  "itsmctl-nagios.py"):                    # now, and as it was
        line = line.replace(where, str(CONTRIB / "nagios" / "itsmctl-nagios.py"))
    line = line.replace("/srv/desk", str(desk))
    env = _env(ITSMCTL_NOW=NOW, **{f"NAGIOS_{k}": v for k, v in macros.items()})
    done = subprocess.run(["/bin/sh", "-c", line], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob("pwned*")), "plugin output ran in a shell"
    t = show(desk, done.stdout.strip())
    assert t["alert"]["message"] == HOSTILE and t["alert"]["fingerprint"] == \
        "nagios:crm-web01/Disk /"


# ---------------------------------------------------------------- argv parsed once, by click
def test_H2_alert_values_that_look_like_global_options_stay_values(desk):
    r = ok(itsm(desk, "open", "--source", "monitoring", "--title", "--json",
                "--alert-id", "--actor=mike", "--alert-severity", "--now",
                "--alert-message", "--repo", actor="monitor"))
    t = show(desk, r.out.strip())
    assert (t["title"], t["alert"]["id"], t["alert"]["severity"], t["alert"]["message"]) == \
        ("--json", "--actor=mike", "--now", "--repo")
    assert t["opened_by"] == "monitor"


@pytest.mark.slow
def test_H2_a_zabbix_alert_named_like_a_global_option_is_not_lost(desk):
    script = CONTRIB / "zabbix" / "itsmctl-zabbix.py"
    for n, name in enumerate(("--json", "--actor=mike", "--now")):
        args = [str(desk), "1", f"47{n}", f"135{n}", "High", "--repo", name]
        done = subprocess.run([sys.executable, str(script), *args], capture_output=True,
                              text=True, env=_env(ITSMCTL_NOW=NOW), timeout=120)
        assert done.returncode == 0, done.stderr
        t = show(desk, done.stdout.strip())
        assert t["title"] == f"--repo: {name}" and t["alert"]["message"] == name
        assert t["opened_by"] == "monitor"


# ---------------------------------------------------------------- cron and systemd
def _cron() -> tuple[dict[str, str], str]:
    lines = [x for x in (CONTRIB / "cron" / "itsmctl-sweep.cron").read_text().splitlines()
             if x.strip() and not x.startswith("#")]
    env = dict(x.split("=", 1) for x in lines if "=" in x.split()[0])
    (job,) = [x for x in lines if "=" not in x.split()[0]]
    return env, job.split(None, 6)[6]


def _service() -> configparser.SectionProxy:
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.optionxform = str                                    # type: ignore[assignment]
    service.read(CONTRIB / "systemd" / "itsmctl-sweep.service")
    return service["Service"]


def _pipx_bin_dirs() -> list[str]:
    """Where pipx puts commands for user itsmctl: asked of pipx when it is installed."""
    found = [PIPX_BIN]
    if shutil.which("pipx"):
        out = subprocess.run(["pipx", "environment", "--value", "PIPX_BIN_DIR"],
                             env={**os.environ, "HOME": "/home/itsmctl"},
                             capture_output=True, text=True, check=False).stdout.strip()
        if out:
            found = [out]
    return found


def _pipx_home(tmp_path: Path) -> Path:
    """A home like itsmctl's, where `pipx install` left an itsmctl (this checkout's)."""
    home = tmp_path / "home" / "itsmctl"
    bin_dir = home / ".local" / "bin"
    bin_dir.mkdir(parents=True)
    exe = bin_dir / "itsmctl"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m itsmctl "$@"\n')
    exe.chmod(0o755)
    return home


def test_S4_cron_and_systemd_find_itsmctl_where_pipx_puts_it(desk, tmp_path):
    cron_env, command = _cron()
    unit_env = dict(x.split("=", 1) for x in shlex.split(_service()["Environment"]))
    for path in (cron_env["PATH"], unit_env["PATH"]):
        entries = path.split(":")
        assert all(d in entries for d in _pipx_bin_dirs()), path
        assert "/usr/local/bin" in entries              # pipx --global, pip
    home = _pipx_home(tmp_path)
    path = cron_env["PATH"].replace("/home/itsmctl", str(home))
    open_ticket(desk, *BILLING)
    base = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    base.update(PATH=path, ITSMCTL_REPO=str(desk), ITSMCTL_NOW=LATER,
                PYTHONPATH=str(ROOT))
    for argv in (command.replace("/run/lock/", f"{tmp_path}/"),
                 shlex.split(_service()["ExecStart"])):
        done = subprocess.run(argv, shell=isinstance(argv, str), env=base,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode != 127 and "not found" not in done.stderr, done.stderr
        assert done.returncode == 0, done.stderr


def _exposure(unit: Path) -> float:
    done = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager",
                           str(unit)], capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout + done.stderr)
    if m is None:
        pytest.skip(f"systemd-analyze cannot rate units offline here: {done.stderr[:80]}")
    return float(m.group(1))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze not installed")
def test_S4_the_sweep_unit_is_sandboxed(tmp_path):
    """`systemd-analyze security` rated the unit 9.2 UNSAFE; now it must be OK (< 2)."""
    unit = CONTRIB / "systemd" / "itsmctl-sweep.service"
    assert _exposure(unit) < 2.0
    service = _service()
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    assert service["ReadWritePaths"] == "/srv/desk"           # the desk, and nothing else
    check = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit),
                            str(CONTRIB / "systemd" / "itsmctl-sweep.timer")],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr


# ---------------------------------------------------------------- contrib/ in the package
def test_contrib_prints_and_installs_the_integration_files(desk, tmp_path):
    listed = ok(itsm(desk, "--json", "contrib")).json["files"]
    assert "cron/itsmctl-sweep.cron" in listed and "nagios/itsmctl-nagios.py" in listed
    cron = ok(itsm(desk, "contrib", "cron")).out
    assert cron == (CONTRIB / "cron" / "itsmctl-sweep.cron").read_text(encoding="utf-8")
    r = itsm(desk, "contrib", "systemd")
    assert r.code == 2 and "itsmctl-sweep.timer" in r.err
    out = tmp_path / "units"
    out.mkdir()
    ok(itsm(desk, "contrib", "systemd", "--out", str(out)))
    assert sorted(p.name for p in out.iterdir()) == ["itsmctl-serve.service",
                                                     "itsmctl-sweep.service",
                                                     "itsmctl-sweep.timer"]
    ok(itsm(desk, "contrib", "nagios/itsmctl-nagios.py", "--out", str(out)))
    assert os.access(out / "itsmctl-nagios.py", os.X_OK)
    assert itsm(desk, "contrib", "nosuch").code == 3


@pytest.mark.slow
def test_the_wheel_ships_contrib(tmp_path):
    pytest.importorskip("wheel", reason="the wheel package builds wheels offline")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    for junk in ("build", "itsmctl.egg-info"):                 # setuptools leaves these
        shutil.rmtree(ROOT / junk, ignore_errors=True)
    (wheel_file,) = tmp_path.glob("itsmctl-*.whl")
    names = set(zipfile.ZipFile(wheel_file).namelist())
    for rel in ("cron/itsmctl-sweep.cron", "systemd/itsmctl-sweep.service",
                "nagios/commands.cfg", "zabbix/itsmctl-zabbix.py", "ci/gitlab-ci.yml",
                "systemd/itsmctl-serve.service", "nginx/itsmctl.conf",
                "prometheus/itsmctl-rules.yml"):
        assert f"itsmctl/contrib/{rel}" in names, rel
