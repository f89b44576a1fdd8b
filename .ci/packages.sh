#!/usr/bin/env bash
# Install what the loopback test servers (tests/servers/) need: idempotent, non-interactive.
# Debian packages are installed only when dpkg says they are missing (apt-get update only
# then); PyPI packages only when they cannot be imported.
set -euo pipefail

DEBIAN=(
  git                       # git daemon, git http-backend
  openssh-client            # ssh-keygen for gpg.format=ssh signing
  gnupg                     # gpg for desks that sign with OpenPGP keys (I4)
  lighttpd                  # smart HTTP front end (mod_cgi + git http-backend)
  postfix                   # the MTA that pipes mail to a command
  python3                   # runs postfix's pipe relay as an unprivileged user
  prometheus-alertmanager   # delivers alert webhooks
  chromium                  # headless browser driven by Playwright
  fonts-wqy-microhei        # Chinese glyphs in screenshots of pages and the HTML report
  systemd                   # systemd-analyze verify/security for contrib/systemd
  nginx-light               # the reverse-proxy example in front of `itsmctl serve`
  openssl                   # its test certificate and htpasswd
  zsh                       # completion scripts are tried in each shell they are for
  fish
)
PYPI=(
  "aiosmtpd:aiosmtpd>=1.4"
  "playwright:playwright>=1.40"
  "wheel:wheel>=0.40"       # builds the wheel offline to check what it ships (contrib/)
  "cryptography:cryptography>=41"   # audit checks SSH signatures in process (I5)
  "openpyxl:openpyxl>=3.1"  # import of .xlsx workbooks (W7)
  # the web extra of itsmctl (pip install 'itsmctl[web]'), for the `serve` tests
  "starlette:starlette>=0.37"
  "uvicorn:uvicorn>=0.29"
  "jinja2:jinja2>=3.1"
  "multipart:python-multipart>=0.0.9"
)

missing=()
for pkg in "${DEBIAN[@]}"; do
  # (dpkg -s piped into grep -q would die of SIGPIPE under pipefail and look "missing")
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  # postfix asks which kind of mail server this is: none; the tests give it a private config.
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
  echo 'postfix postfix/mailname string localhost' | debconf-set-selections
  # Packages must not start system daemons (the tests start their own, on free ports):
  # a policy-rc.d that says "no" for the duration of the install, unless one is already there.
  own_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  trap '[[ -z "$own_policy" ]] || rm -f /usr/sbin/policy-rc.d' EXIT
  # Wait for another apt/dpkg run (several people share a machine) instead of failing.
  apt-get -o DPkg::Lock::Timeout=600 update -q
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi

for entry in "${PYPI[@]}"; do
  module="${entry%%:*}"
  requirement="${entry#*:}"
  python -c "import $module" 2>/dev/null || python -m pip install -q "$requirement"
done
