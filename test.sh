#!/usr/bin/env bash
# Runs every check: compile with Error Prone and NullAway, unit tests, integration tests, formatting.
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
exec ./mvnw -B verify "$@"
