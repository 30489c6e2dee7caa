#!/usr/bin/env bash
# Offline checks of the packaging files under docker/ and deploy/.
#
#   scripts/check-packaging.sh
#
# Needs no Docker engine, network or Swift build. Each check whose tool is
# missing is skipped with a reason. Prints one line per check:
#   ok: NAME | skip: NAME (why) | FAIL: NAME   (details indented on stderr)
# Exits 1 if any check failed, 0 otherwise.

set -u
cd "$(dirname "$0")/.." || exit 1

failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok()   { echo "ok: $1"; }
skip() { echo "skip: $1 ($2)"; }
fail() {
    echo "FAIL: $1"
    if [ -s "$tmp/out" ]; then sed 's/^/    /' "$tmp/out" >&2; fi
    failed=1
}
have() { command -v "$1" >/dev/null 2>&1; }

# run NAME CMD... : ok when CMD exits 0; its output is shown only on failure.
run() {
    local name=$1; shift
    if "$@" >"$tmp/out" 2>&1; then ok "$name"; else fail "$name"; fi
}

python_ok=0
if have python3 && python3 -c 'import yaml' >/dev/null 2>&1; then python_ok=1; fi

# --- docker compose ---------------------------------------------------------
if have docker && docker compose version >/dev/null 2>&1; then
    run "compose config (docker compose)" docker compose -f docker/compose.yaml config -q
elif have docker-compose; then
    run "compose config (docker-compose)" docker-compose -f docker/compose.yaml config -q
else
    skip "compose config" "neither 'docker compose' nor docker-compose installed"
fi

# --- haproxy ------------------------------------------------------------------
for cfg in docker/haproxy.cfg deploy/haproxy/haproxy.cfg; do
    if have haproxy; then
        run "haproxy -c $cfg" haproxy -c -f "$cfg"
    else
        skip "haproxy -c $cfg" "haproxy not installed"
    fi
done

# --- systemd ------------------------------------------------------------------
# `verify` insists that ExecStart's binary exists; unless switchyard is
# installed, check a copy of the unit whose commands point at a stub.
# systemd only warns about (and ignores) an unknown key or a bad value, still
# exiting 0, so any diagnostic naming the unit file counts as a failure too.
unit=deploy/systemd/switchyard.service
verify_unit() {
    local out
    out=$(systemd-analyze verify "$1" 2>&1)
    local rc=$?
    printf '%s\n' "$out"
    [ "$rc" = 0 ] && ! printf '%s\n' "$out" | grep -qF "$(basename "$1")"
}
if have systemd-analyze; then
    if [ -x /usr/local/bin/switchyard ]; then
        run "systemd-analyze verify $unit" verify_unit "$unit"
    else
        printf '#!/bin/sh\nexit 0\n' >"$tmp/switchyard"
        chmod +x "$tmp/switchyard"
        sed "s#/usr/local/bin/switchyard#$tmp/switchyard#g" "$unit" >"$tmp/switchyard.service"
        run "systemd-analyze verify $unit (stub binary)" verify_unit "$tmp/switchyard.service"
    fi
else
    skip "systemd-analyze verify $unit" "systemd-analyze not installed"
fi

# --- YAML and JSON syntax ---------------------------------------------------------
yaml_files=$(find docker deploy -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
json_files=$(find docker deploy -type f -name '*.json' | sort)

if [ "$python_ok" = 1 ]; then
    for f in $yaml_files; do
        run "yaml $f" python3 -c 'import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))' "$f"
    done
elif [ -n "$yaml_files" ]; then
    skip "yaml parse" "python3 with PyYAML not available"
fi

if have python3; then
    for f in $json_files; do
        run "json $f" python3 -c 'import sys, json; json.load(open(sys.argv[1]))' "$f"
    done
    # JSON embedded in Kubernetes ConfigMaps (keys ending in .json).
    if [ "$python_ok" = 1 ]; then
        for f in $yaml_files; do
            case $f in deploy/kubernetes/*) ;; *) continue ;; esac
            grep -q '^kind: ConfigMap' "$f" || continue
            run "json in $f" python3 - "$f" <<'EOF'
import json, sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if not doc or doc.get("kind") != "ConfigMap":
        continue
    for key, value in (doc.get("data") or {}).items():
        if key.endswith(".json"):
            try:
                json.loads(value)
            except ValueError as e:
                sys.exit(f"{doc['metadata']['name']}/{key}: {e}")
EOF
        done
    fi
else
    skip "json parse" "python3 not available"
fi

# --- models configs through the real validator, when a binary is at hand -------
switchyard=""
if [ -x .build/release/switchyard ]; then switchyard=.build/release/switchyard
elif [ -x .build/debug/switchyard ]; then switchyard=.build/debug/switchyard
elif have switchyard; then switchyard=$(command -v switchyard)
fi
if [ -n "$switchyard" ]; then
    run "switchyard check-config docker/models-config.json" "$switchyard" check-config docker/models-config.json
    if [ "$python_ok" = 1 ]; then
        python3 - deploy/kubernetes/configmap.yaml "$tmp/k8s-models-config.json" <<'EOF'
import sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc.get("kind") == "ConfigMap" and "models-config.json" in doc.get("data", {}):
        open(sys.argv[2], "w").write(doc["data"]["models-config.json"])
EOF
        run "switchyard check-config deploy/kubernetes/configmap.yaml" "$switchyard" check-config "$tmp/k8s-models-config.json"
    fi
else
    skip "switchyard check-config" "no built switchyard binary (.build/*/switchyard or PATH)"
fi

# --- Kubernetes kustomization renders -------------------------------------------
if have kubectl; then
    run "kubectl kustomize deploy/kubernetes" kubectl kustomize deploy/kubernetes
elif have kustomize; then
    run "kustomize build deploy/kubernetes" kustomize build deploy/kubernetes
else
    skip "kustomize deploy/kubernetes" "neither kubectl nor kustomize installed"
fi

# --- stop timeouts stay above the drain timeout ----------------------------------
# Every stop deadline (compose stop_grace_period, systemd TimeoutStopSec,
# Kubernetes terminationGracePeriodSeconds minus the preStop delay) must exceed
# LLM_ROUTER_DRAIN_TIMEOUT, or in-flight streams are killed mid-drain.
if [ "$python_ok" = 1 ]; then
    run "stop timeouts > LLM_ROUTER_DRAIN_TIMEOUT" python3 - <<'EOF'
import re, sys, yaml

def seconds(v):
    m = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s?)?", str(v).strip())
    if not m or not any(m.groups()):
        sys.exit(f"cannot parse duration {v!r}")
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)

problems = []
compose = yaml.safe_load(open("docker/compose.yaml"))
for name, svc in compose["services"].items():
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    if "LLM_ROUTER_DRAIN_TIMEOUT" in env:
        drain = int(env["LLM_ROUTER_DRAIN_TIMEOUT"])
        grace = seconds(svc.get("stop_grace_period", "10s"))
        if grace <= drain:
            problems.append(f"compose {name}: stop_grace_period {grace}s <= drain {drain}s")

unit = open("deploy/systemd/switchyard.service").read()
envfile = open("deploy/systemd/switchyard.env.example").read()
m = re.search(r"^LLM_ROUTER_DRAIN_TIMEOUT=(\d+)", envfile, re.M)
drain = int(m.group(1)) if m else 30
m = re.search(r"^TimeoutStopSec=(\S+)", unit, re.M)
if not m or seconds(m.group(1)) <= drain:
    problems.append(f"systemd: TimeoutStopSec must exceed drain {drain}s")

for doc in yaml.safe_load_all(open("deploy/kubernetes/deployment.yaml")):
    if not doc or doc.get("kind") != "Deployment":
        continue
    pod = doc["spec"]["template"]["spec"]
    grace = pod.get("terminationGracePeriodSeconds", 30)
    for c in pod["containers"]:
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        if "LLM_ROUTER_DRAIN_TIMEOUT" not in env:
            continue
        drain = int(env["LLM_ROUTER_DRAIN_TIMEOUT"])
        pre = " ".join(c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", []))
        m = re.search(r"sleep (\d+); kill -QUIT", pre)
        delay = int(m.group(1)) if m else 0
        if grace <= drain + delay:
            problems.append(f"k8s {doc['metadata']['name']}: terminationGracePeriodSeconds {grace} <= drain {drain} + preStop delay {delay}")

if problems:
    sys.exit("\n".join(problems))
EOF
else
    skip "stop timeouts > LLM_ROUTER_DRAIN_TIMEOUT" "python3 with PyYAML not available"
fi

# --- Dockerfile lint (optional) -------------------------------------------------
if have hadolint; then
    run "hadolint docker/Dockerfile" hadolint docker/Dockerfile
else
    skip "hadolint docker/Dockerfile" "hadolint not installed"
fi

exit "$failed"
