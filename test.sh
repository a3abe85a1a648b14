#!/usr/bin/env bash
# Runs every check: compile with Error Prone and NullAway, unit tests, integration tests, formatting.
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
# The admin UI's browser tests drive Debian's chromium through its chromedriver.
if [ "${TOLLGATE_SKIP_BROWSER_TESTS:-}" != true ] && ! { command -v chromedriver >/dev/null &&
  { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
  else
    echo "test.sh: the browser tests need chromium and chromedriver; install them with" \
      "'sudo apt-get install -y chromium chromium-driver', or set TOLLGATE_SKIP_BROWSER_TESTS=true" >&2
  fi
fi
exec ./mvnw -B verify "$@"
