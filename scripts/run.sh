#!/usr/bin/env bash
# The README's "run" command: install what is missing, build, start the router.
# With no models config (LLM_ROUTER_MODELS_CONFIG / --config) it serves the model "demo" from two embedded
# mock upstreams, so `curl` works with no LLM, GPU, API key or Redis. Extra arguments go to `switchyard serve`.
# Run from the repository root, so the prompt library is found at resources/prompts (LLM_ROUTER_PROMPTS_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release
exec .build/release/switchyard serve "$@"
