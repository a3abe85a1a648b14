#!/usr/bin/env bash
# The soak test for as long as you like (default 10 minutes): SoakIT's mixed load (plain and
# streamed requests, abandoned streams, budget and rate-limit denials) against an in-process
# gateway; prints requests, statuses, live heap before and after, and RSS. Usage:
# bench/soak.sh [SECONDS]
set -euo pipefail
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./mvnw -B verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=SoakIT \
  -Dsoak.seconds="${1:-600}" -Dspotless.check.skip=true | grep -E "soak:|Tests run:|FAIL"
