#!/usr/bin/env bash
# Installs what cccd needs on Debian/Ubuntu and makes sure pcscd runs.
# Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(pcscd libpcsclite-dev vsmartcard-vpcd softhsm2 opensc openssl zbar-tools qrencode pcsc-tools libopenjp2-tools gcc chromium postgresql)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null; then
  echo "install-deps: Go 1.26 or newer is needed on PATH (https://go.dev/dl/)" >&2
  exit 1
fi

# pcscd: the socket-activated service where systemd runs, else the daemon
# itself (it forks into the background). pcsc_scan -r answers only when a
# daemon serves the socket.
pcscd_up() { timeout 5 pcsc_scan -r >/dev/null 2>&1; }
if ! pcscd_up; then
  if [ -d /run/systemd/system ]; then
    $sudo systemctl start pcscd.socket pcscd.service || true
  fi
  if ! pcscd_up; then
    $sudo rm -f /run/pcscd/pcscd.comm /run/pcscd/pcscd.pid
    $sudo pcscd
  fi
  for _ in $(seq 50); do pcscd_up && break; sleep 0.2; done
fi
pcscd_up || { echo "install-deps: pcscd did not start (try 'sudo pcscd -f -d' to see why)" >&2; exit 1; }
echo "install-deps: ok (pcscd running, $(go version | cut -d' ' -f3))"
