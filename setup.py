"""Build hook: the wheel carries contrib/ (cron, systemd, Nagios, Zabbix, Alertmanager and
CI files) as itsmctl/contrib, so `itsmctl contrib NAME` prints them from an installed
itsmctl. Everything else is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithContrib(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "contrib"
        if source.is_dir():
            shutil.copytree(source, Path(self.build_lib) / "itsmctl" / "contrib",
                            dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithContrib})
