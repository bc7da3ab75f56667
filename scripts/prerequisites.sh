#!/usr/bin/env bash
# Installs what building and testing tenure needs on a fresh Debian machine, if missing:
# a C/C++ toolchain, libclang (bindgen, for LightGBM's C API), cmake ≥ 3.28 (LightGBM's build;
# Debian's is older, so the `cmake` package from PyPI is used), psql, python3, a font with
# Chinese glyphs for PDFs (fonts-wqy-microhei), poppler-utils (tests read PDFs back) and
# openssh-server (the scheduled-pull test pulls from its sshd over SFTP).
# Source it (`. scripts/prerequisites.sh`) so that CMAKE points at a new enough cmake.
set -euo pipefail
need=()
command -v c++ >/dev/null || need+=(build-essential)
command -v psql >/dev/null || need+=(postgresql-client)
command -v python3 >/dev/null || need+=(python3 python3-pip)
# Chinese PDFs embed a CJK font; the tests read PDFs back with poppler's tools.
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
# The scheduled-pull test fetches over SFTP from OpenSSH's own sshd (and its ssh-keygen).
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
# The API contract test keeps schemathesis in a virtual environment.
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
# libclang itself (libclang.so or libclang-NN.so), not libclang-cpp, which bindgen cannot use.
compgen -G '/usr/lib/llvm-*/lib/libclang.so*' >/dev/null || compgen -G '/usr/lib/*/libclang.so*' >/dev/null \
  || compgen -G '/usr/lib/*/libclang-[0-9]*.so*' >/dev/null || need+=(libclang-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null; then
  echo "cargo is missing: install the Rust toolchain (rustup) first" >&2
  exit 1
fi

cmake_is_recent() { # path
  local version
  version=$("$1" --version 2>/dev/null | head -1 | grep -oE '[0-9]+\.[0-9]+' | head -1) || return 1
  [ -n "$version" ] && [ "$(printf '%s\n3.28\n' "$version" | sort -V | head -1)" = "3.28" ]
}
if ! { [ -n "${CMAKE:-}" ] && cmake_is_recent "$CMAKE"; }; then
  if command -v cmake >/dev/null && cmake_is_recent "$(command -v cmake)"; then
    CMAKE=$(command -v cmake)
  else
    python3 -c 'import cmake' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check cmake >&2
    CMAKE=$(python3 -c 'import cmake, os; print(os.path.join(cmake.CMAKE_BIN_DIR, "cmake"))')
  fi
  export CMAKE
fi
