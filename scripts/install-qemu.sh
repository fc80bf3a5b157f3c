#!/usr/bin/env bash
# Installs what tests/release needs to run the linux-arm64 release binary on an x86-64 Debian/Ubuntu
# machine: qemu user-mode emulation plus the arm64 C/C++ runtime (a bun-compiled binary links
# glibc, libstdc++ and libgcc_s dynamically). The test runs it as `qemu-aarch64-static -L / BINARY`.
#
# Idempotent: does nothing when everything is already there. Needs root, or passwordless sudo
# (GitHub-hosted runners). Used by .ci/run and .github/workflows/ci.yml.
set -euo pipefail

have_all() {
  command -v qemu-aarch64-static >/dev/null 2>&1 || return 1
  [ -e /lib/ld-linux-aarch64.so.1 ] || return 1
  [ -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ] || return 1
  [ -e /lib/aarch64-linux-gnu/libgcc_s.so.1 ] || [ -e /usr/lib/aarch64-linux-gnu/libgcc_s.so.1 ] || return 1
}

if [ "$(uname -m)" = "aarch64" ]; then
  echo "install-qemu: host is arm64, linux-arm64 binaries run natively; nothing to install"
  exit 0
fi

if have_all; then
  echo "install-qemu: qemu-aarch64-static and arm64 libraries already present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-qemu: need root or sudo to install packages" >&2
    exit 1
  fi
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-qemu: apt-get not found; install qemu-user-static and arm64 libc6/libstdc++6/libgcc-s1 by hand" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO dpkg --add-architecture arm64

# Ubuntu serves foreign architectures from ports.ubuntu.com, not from the amd64 mirrors. Without
# restricting the existing sources to amd64, `apt-get update` fails on 404s for binary-arm64.
# shellcheck source=/dev/null
if [ -r /etc/os-release ] && . /etc/os-release && [ "${ID:-}" = "ubuntu" ]; then
  codename="${VERSION_CODENAME:?}"
  if [ -f /etc/apt/sources.list.d/ubuntu.sources ] && ! grep -q '^Architectures:' /etc/apt/sources.list.d/ubuntu.sources; then
    $SUDO sed -i '/^Types:/a Architectures: amd64' /etc/apt/sources.list.d/ubuntu.sources
  fi
  if [ -f /etc/apt/sources.list ]; then
    $SUDO sed -i -E 's/^deb (http)/deb [arch=amd64] \1/' /etc/apt/sources.list
  fi
  printf 'Types: deb\nURIs: http://ports.ubuntu.com/ubuntu-ports\nSuites: %s %s-updates %s-security\nComponents: main universe\nArchitectures: arm64\nSigned-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\n' \
    "$codename" "$codename" "$codename" | $SUDO tee /etc/apt/sources.list.d/arm64-ports.sources >/dev/null
fi

$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends qemu-user-static libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64

if ! have_all; then
  echo "install-qemu: installation finished but qemu-aarch64-static or the arm64 libraries are still missing" >&2
  exit 1
fi
echo "install-qemu: ok ($(qemu-aarch64-static --version | head -n 1))"
