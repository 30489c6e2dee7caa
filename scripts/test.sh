#!/usr/bin/env bash
# The README's "test" command (and what .ci/run calls): install what is missing, start a private redis-server
# on a free loopback port, build, run the offline packaging checks, a short fuzz, the SDK smoke tests (openai,
# ollama, anthropic), and finally every Swift test suite (last, so its summary is the closing line).
set -euo pipefail
cd "$(dirname "$0")/.."
# The test-only packages: promtool (metrics checks), HAProxy (the load-balancer test), venv (SDK tests).
scripts/install-deps.sh prometheus haproxy python3-venv
# Headless Chromium for the /ui browser test (StatusPageTests); that test is skipped, saying so, without it.
scripts/install-deps.sh chromium || echo "chromium could not be installed: the /ui browser test will be skipped" >&2

redis_dir=$(mktemp -d)
cleanup() {
    if [ -f "$redis_dir/redis.pid" ]; then kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true; fi
    rm -rf "$redis_dir"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
    --pidfile "$redis_dir/redis.pid" --dir "$redis_dir" --logfile "$redis_dir/redis.log"
export SWITCHYARD_TEST_REDIS_PORT="$port"

swift build --build-tests

scripts/check-packaging.sh

# A short coverage-guided fuzz of the HTTP parser and JSON scanner (scripts/fuzz.sh 600 for a longer run).
scripts/fuzz.sh 10

# The official openai, ollama and anthropic Python clients through the router, in one virtualenv (needs PyPI;
# skipped with a note when it is unreachable).
venv=.build/sdk-venv
if "$venv/bin/python" -c 'import openai, ollama, anthropic' 2>/dev/null \
    || { { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } && timeout 300 "$venv/bin/pip" install -q openai ollama anthropic; } >/dev/null 2>&1; then
    "$venv/bin/python" Tests/sdk/openai_sdk_smoke.py .build/debug/switchyard
    "$venv/bin/python" Tests/sdk/ollama_sdk_smoke.py .build/debug/switchyard
    "$venv/bin/python" Tests/sdk/anthropic_sdk_smoke.py .build/debug/switchyard
else
    echo "skip: SDK smoke tests (could not install the openai, ollama and anthropic packages)"
fi

# Unit suites in parallel; then the integration suites one at a time: they start real processes and block
# on sockets, and in parallel on a 2-core machine they starve each other (and each other's time limits).
swift test --skip-build --skip SwitchyardIntegrationTests
swift test --skip-build --filter SwitchyardIntegrationTests --no-parallel
