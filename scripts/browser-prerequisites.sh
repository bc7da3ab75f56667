#!/usr/bin/env bash
# Installs what the browser tests need, if missing: Debian's Chromium and chromedriver (a
# Chinese font, so zh-CN screenshots show text), Node, and from npm axe-core (the
# accessibility check) and oidc-provider (the OpenID Connect provider the single sign-on test
# signs in through). Source it (`. scripts/browser-prerequisites.sh`) from the project root.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
command -v npm >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing for the browser tests: ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
browser_tests=crates/server/tests/browser
if [ ! -f "$browser_tests/node_modules/axe-core/axe.min.js" ] \
  || [ ! -f "$browser_tests/node_modules/oidc-provider/package.json" ]; then
  npm ci --prefix "$browser_tests" --no-audit --no-fund --loglevel=error >&2
fi
