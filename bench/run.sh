#!/usr/bin/env bash
# bench/run.sh — compares switchyard with direct upstream access, vllm-router and nginx as a reverse proxy.
#
# Usage (from anywhere; no arguments):  bench/run.sh
# Environment knobs (defaults in brackets):
#   DURATION [8]       seconds of the c=CONNECTIONS throughput run per target
#   C1_DURATION [4]    seconds of the c=1 latency run per target
#   WARMUP [1]         seconds of unmeasured load before each throughput run
#   CONNECTIONS [32]   wrk connections of the throughput run (one wrk thread)
#   STREAM_TOKENS [200] SSE token events per streamed reply in scenario B
#   TTFB_N [200]       sequential streams the TTFB probe measures per target
#   PIN [1]            1: router on CPU 1, upstream + throughput wrk on CPU 0; for the latency probes (wrk c=1,
#                      TTFB) probe, router and upstream all on CPU 1 (taskset); 0: no pinning
#   SKIP_BUILD [0]     1: use the existing release binary instead of running swift build
#   SCRATCH [.build-bench]  SwiftPM scratch path of the release build
#   VLLM_ROUTER []     path of a vllm-router executable; default bench/.venv/bin/vllm-router (pip-installed once)
#   BENCH_VENV [bench/.venv]  where vllm-router is pip-installed when VLLM_ROUTER is not set
#   FANOUT_LATENCY_MS [200]  mock latency per call in scenario C (one 16-text builtin translate request)
#   QUEUE_LATENCY_MS [5]   mock latency in scenario D (queue hand-off: first_available, one slot, QUEUE_CLIENTS [8]
#                      clients for QUEUE_SECONDS [4] s, with the in-memory queue and with Redis)
#   REDIS [1]          1: add a "switchyard + Redis (1 worker)" row (balanced, shared state in a loopback redis-server)
#   PAIRS [5]          with REDIS: rounds of the paired in-memory / Redis comparison in scenario A (0: none), each
#                      router PAIR_DURATION [5] s per turn, both running side by side; the median ratio is reported,
#                      once per placement of redis-server (on CPU 0 with wrk and the upstream; floating on both cores)
#   REDIS_PLACE_A [load]  with PIN=1, where redis-server runs during scenario A's rows: "load" on CPU 0 beside wrk and
#                      the upstream, off the router's core; "float" on either core (the scheduler's choice). The other
#                      scenarios always let it float
#   BASELINE_BIN []    path of an earlier switchyard binary: adds a "baseline (1 worker)" row measured in the same
#                      run, so a change's cost shows side by side (build one from a commit with git worktree)
# Prints the environment and one table per scenario; writes the same to bench/results/latest.md and the raw
# tool output to bench/results/latest-raw.log. Everything listens on 127.0.0.1 and is stopped on exit.
# Exit codes: 0 table printed (rows that could not run say n/a), 1 a prerequisite or the direct baseline failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DURATION=${DURATION:-8}
C1_DURATION=${C1_DURATION:-4}
WARMUP=${WARMUP:-1}
PAIRS=${PAIRS:-5}
PAIR_DURATION=${PAIR_DURATION:-5}
CONNECTIONS=${CONNECTIONS:-32}
STREAM_TOKENS=${STREAM_TOKENS:-200}
TTFB_N=${TTFB_N:-200}
PIN=${PIN:-1}
SKIP_BUILD=${SKIP_BUILD:-0}
SCRATCH=${SCRATCH:-.build-bench}
VENV=${BENCH_VENV:-$ROOT/bench/.venv}
BIN=$ROOT/$SCRATCH/release/switchyard
BASELINE_BIN=${BASELINE_BIN:-}
RESULTS=$ROOT/bench/results
CLK_TCK=$(getconf CLK_TCK)

TMP=$(mktemp -d /tmp/switchyard-bench.XXXXXX)
RAW=$TMP/raw.log
STARTED=()   # every background process this script started (their children die with them or are listed too)

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

# All descendants of $1 plus $1 itself, one pid per line (from ps: pid/ppid of every process).
tree_pids() {
    ps -e -o pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2 }
        END { for (p in parent) { q = p; while (q != "" && q > 1) { if (q == root) { print p; break } q = parent[q] } } }'
}

# Sends TERM to the tree of $1, waits up to 3 s, then KILLs what is left of that tree.
stop_tree() {
    local root=$1 pids pid i
    pids=$(tree_pids "$root")
    [ -n "$pids" ] || return 0
    for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
    for i in $(seq 30); do
        kill -0 "$root" 2>/dev/null || break
        sleep 0.1
    done
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    wait "$root" 2>/dev/null || true
}

cleanup() {
    local pid
    trap - EXIT INT TERM
    for pid in "${STARTED[@]}"; do stop_tree "$pid"; done
    if [ -s "$RAW" ] && [ -d "$RESULTS" ]; then cp "$RAW" "$RESULTS/latest-raw.log"; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# utime+stime (+ reaped children's) of the tree of $1 in clock ticks, from /proc/PID/stat (proc(5) fields 14-17).
cpu_ticks() {
    local pid total=0 t
    for pid in $(tree_pids "$1"); do
        # The command name (field 2) may contain spaces: drop everything up to its closing parenthesis.
        t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }') || t=0
        total=$((total + ${t:-0}))
    done
    echo "$total"
}

# Sum of a /proc/PID/status field (VmRSS now, VmHWM peak) over the tree of $1, in kB.
mem_kb() {
    local pid total=0 v
    for pid in $(tree_pids "$1"); do
        v=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$pid/status" 2>/dev/null) || v=0
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

# Largest single-process value of a /proc/PID/status field over the tree of $1, in kB (one worker's RSS).
max_kb() {
    local pid max=0 v
    for pid in $(tree_pids "$1"); do
        v=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$pid/status" 2>/dev/null) || v=0
        [ "${v:-0}" -gt "$max" ] && max=${v:-0}
    done
    echo "$max"
}

# Proportional set size summed over the tree of $1, in kB: shared library pages counted once, not per process.
pss_kb() {
    local pid total=0 v
    for pid in $(tree_pids "$1"); do
        v=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || v=0
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

# CPU busy % of the whole machine over one second (from /proc/stat) and the load average: others' work shows here.
busy_now() {
    local a b
    a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
    echo "$a $b" | awk '{ busy = $3 - $1; idle = $4 - $2; printf "%.0f%% CPU busy over 1 s, ", 100 * busy / (busy + idle) }'
    echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until http://127.0.0.1:$1/$2 answers with any HTTP status; fails early if process $3 died.
wait_http() {
    local port=$1 path=$2 pid=$3 deadline=$((SECONDS + ${4:-30})) code
    while true; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port$path" 2>/dev/null) || true
        [ "$code" != "000" ] && [ -n "$code" ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# ---------------------------------------------------------------- prerequisites

install_missing() {
    local need=()
    command -v wrk >/dev/null || need+=(wrk)
    command -v nginx >/dev/null || need+=(nginx-light)
    command -v curl >/dev/null || need+=(curl)
    command -v taskset >/dev/null || need+=(util-linux)
    command -v python3 >/dev/null || need+=(python3)
    [ ${#need[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        die "missing ${need[*]}; install them (Debian: apt-get install ${need[*]}) or run as root"
    fi
    say "installing ${need[*]} with apt-get"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# Sets VR to a vllm-router executable, installing it into bench/.venv once; VR stays empty (with VR_NOTE) if not.
VR=""
VR_NOTE=""
setup_vllm_router() {
    if [ -n "${VLLM_ROUTER:-}" ]; then
        [ -x "$VLLM_ROUTER" ] && VR=$VLLM_ROUTER || VR_NOTE="VLLM_ROUTER=$VLLM_ROUTER is not executable"
        return 0
    fi
    if [ ! -x "$VENV/bin/vllm-router" ]; then
        say "installing vllm-router into bench/.venv (one-off; pip from PyPI)"
        if ! python3 -c 'import ensurepip, venv' 2>/dev/null && [ "$(id -u)" -eq 0 ]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null 2>&1 || true
        fi
        if ! { python3 -m venv "$VENV" && timeout 600 "$VENV/bin/pip" install -q --disable-pip-version-check vllm-router; } \
            >>"$RAW" 2>&1; then
            VR_NOTE="pip install vllm-router failed (see bench/results/latest-raw.log)"
            say "note: $VR_NOTE; skipping vllm-router"
            return 0
        fi
    fi
    VR=$VENV/bin/vllm-router
}

install_missing
mkdir -p "$RESULTS"
setup_vllm_router

# Sources may change under a running build (others work in the same tree): retry once, then fall back to the
# binary of the previous successful build with a warning in the environment section.
BUILD_NOTE=""
if [ "$SKIP_BUILD" != 1 ]; then
    say "building switchyard (release, scratch path $SCRATCH)"
    build_start=$SECONDS
    if ! swift build -c release --scratch-path "$ROOT/$SCRATCH" >>"$RAW" 2>&1 \
        && ! { say "build failed; retrying in 10 s"; sleep 10; swift build -c release --scratch-path "$ROOT/$SCRATCH" >>"$RAW" 2>&1; }; then
        tail -15 "$RAW" >&2
        [ -x "$BIN" ] || die "swift build failed and there is no earlier binary"
        BUILD_NOTE=" — WARNING: this build failed, measuring the previous binary from $(date -u -r "$BIN" +%H:%M:%SZ)"
        say "bench: swift build failed; measuring the previous binary"
    else
        say "built in $((SECONDS - build_start)) s"
    fi
else
    BUILD_NOTE=" (SKIP_BUILD=1: binary from $(date -u -r "$BIN" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo "?"))"
fi
[ -x "$BIN" ] || die "no binary at $BIN"

REDIS_PLACE_A=${REDIS_PLACE_A:-load}
case $REDIS_PLACE_A in
    load | float) ;;
    *) die "REDIS_PLACE_A must be load or float, not '$REDIS_PLACE_A'" ;;
esac
if [ "$PIN" = 1 ]; then
    LOAD_CPU=(taskset -c 0)
    ROUTER_CPU=(taskset -c 1)
    PROBE_CPU=(taskset -c 1)
    PIN_TEXT="router on CPU 1 (2-worker Switchyard on CPUs 0-1), upstream and c=$CONNECTIONS wrk on CPU 0; latency probes (wrk c=1, TTFB) with router and upstream all on CPU 1 (taskset); redis-server on $( [ "$REDIS_PLACE_A" = load ] && echo "CPU 0" || echo "CPUs 0-1") in scenario A's rows, on CPUs 0-1 elsewhere"
else
    LOAD_CPU=()
    ROUTER_CPU=()
    PROBE_CPU=()
    PIN_TEXT="none (all processes float over both CPUs)"
fi

# ---------------------------------------------------------------- environment

ENV_MD=$TMP/env.md
{
    echo "## Environment"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- switchyard: $("$BIN" --version 2>&1 | head -1), tree $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- Sources Package.swift 2>/dev/null || echo ' + uncommitted changes')$BUILD_NOTE"
    [ -n "$BASELINE_BIN" ] && echo "- baseline: $BASELINE_BIN ($("$BASELINE_BIN" --version 2>&1 | head -1))"
    echo "- CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), nproc $(nproc), $(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
    echo "- kernel: $(uname -sr); $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
    echo "- $(swift --version 2>&1 | head -1)"
    echo "- $(nginx -v 2>&1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $(python3 --version 2>&1)"
    if [ -n "$VR" ]; then
        echo "- vllm-router $("$(dirname "$VR")/python" -c 'import importlib.metadata as m; print(m.version("vllm-router"))' 2>/dev/null || echo '(version unknown)')"
    else
        echo "- vllm-router: not available ($VR_NOTE)"
    fi
    echo "- load: wrk 1 thread, $CONNECTIONS connections, ${DURATION} s (after ${WARMUP} s warm-up); A: c=1 for ${C1_DURATION} s; B: TTFB probe, $TTFB_N sequential streams"
    echo "- pinning: $PIN_TEXT"
    echo "- machine before the run: $(busy_now)"
} >"$ENV_MD"
cat "$ENV_MD"
echo

# ---------------------------------------------------------------- upstreams and routers

# A ~600-byte OpenAI chat.completion reply, the fixed answer of the nginx upstream.
COMPLETION='{"id":"chatcmpl-bench-0001","object":"chat.completion","created":1735689600,"model":"mock-model","system_fingerprint":"fp_bench","choices":[{"index":0,"message":{"role":"assistant","content":"Routers forward packets between networks by reading destination addresses, consulting routing tables and choosing the next hop, so that data finds an efficient path across the internet from sender to receiver, even when links fail, congest or change under load over time, which is why they matter so much today."},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":58,"total_tokens":82}}'

# Writes an nginx.conf into directory $1. $2 = port; $3 = "static" or an upstream port to reverse-proxy to.
write_nginx_conf() {
    local dir=$1 port=$2 mode=$3 body
    mkdir -p "$dir/tmp"
    if [ "$mode" = static ]; then
        body="
        location = /v1/chat/completions { default_type application/json; return 200 '$COMPLETION'; }
        location = /v1/models { default_type application/json; return 200 '{\"object\":\"list\",\"data\":[{\"id\":\"mock-model\",\"object\":\"model\",\"owned_by\":\"bench\"}]}'; }
        location = /health { default_type application/json; return 200 '{\"status\":\"ok\"}'; }"
    else
        # HTTP/1.1 with an empty Connection header lets the keepalive pool reuse upstream connections;
        # buffering off relays SSE events as they arrive (needed for a fair TTFB).
        body="
        location / {
            proxy_pass http://up;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_buffering off;
        }"
    fi
    cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 75s;
    $( [ "$mode" = static ] || echo "upstream up { server 127.0.0.1:$mode; keepalive 64; keepalive_requests 10000000; }" )
    server {
        listen 127.0.0.1:$port;
        $body
    }
}
EOF
}

# Each start_* function sets PID (0 when it could not start) and PORT; the process is added to STARTED.
start_nginx() {  # $1 name, $2 "static" | upstream port, $3.. taskset prefix
    local name=$1 mode=$2
    shift 2
    local dir=$TMP/$name
    PORT=$(free_port)
    write_nginx_conf "$dir" "$PORT" "$mode"
    "$@" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;' >>"$RAW" 2>&1 &
    PID=$!
    STARTED+=("$PID")
    wait_http "$PORT" /health "$PID" 10 || { cat "$dir/error.log" >>"$RAW" 2>/dev/null; PID=0; }
}

start_mock() {
    PORT=$(free_port)
    "${LOAD_CPU[@]}" "$BIN" mock --host 127.0.0.1 --port "$PORT" --id up --tokens "$STREAM_TOKENS" --token-delay-ms 0 \
        >>"$RAW" 2>&1 &
    PID=$!
    STARTED+=("$PID")
    wait_http "$PORT" /health "$PID" 10 || PID=0
}

start_switchyard() {  # $1 upstream port, $2 workers, $3 binary (default $BIN), $4 strategy (default round_robin), $5 api_type (default vllm); PROVIDER_EXTRA adds provider fields
    local bin=${3:-$BIN} strategy=${4:-round_robin} api_type=${5:-vllm} extra=${PROVIDER_EXTRA:-}
    local cfg=$TMP/switchyard-$1-$api_type-${#extra}.json
    cat >"$cfg" <<EOF
{"m": {"bench": {"providers": [{"id": "up", "api_host": "http://127.0.0.1:$1", "api_type": "$api_type", "model_path": "mock-model"$extra}]}}, "active_models": {"m": ["bench"]}}
EOF
    PORT=$(free_port)
    # One worker stays on the router's core; several workers get both cores (pinning them to one core would make
    # the 2-worker row measure nothing but time slicing). They then share CPU 0 with wrk and the upstream.
    local cpu=("${ROUTER_CPU[@]}")
    [ "$2" -gt 1 ] && [ "$PIN" = 1 ] && cpu=(taskset -c 0,1)
    "${cpu[@]}" env LLM_ROUTER_LOG_LEVEL=warning "$bin" serve --config "$cfg" --host 127.0.0.1 --port "$PORT" \
        --workers "$2" --strategy "$strategy" >>"$RAW" 2>&1 &
    PID=$!
    STARTED+=("$PID")
    wait_http "$PORT" /health "$PID" 20 || PID=0
}

start_vllm_router() {  # $1 upstream port
    PORT=$(free_port)
    PID=0
    [ -n "$VR" ] || return 0
    # It polls the worker's /health before binding; a 1 s check interval keeps start-up short.
    "${ROUTER_CPU[@]}" "$VR" --host 127.0.0.1 --port "$PORT" --worker-urls "http://127.0.0.1:$1" --policy round_robin \
        --log-level warning --worker-startup-check-interval 1 --worker-startup-timeout-secs 30 >>"$RAW" 2>&1 &
    PID=$!
    STARTED+=("$PID")
    wait_http "$PORT" /health "$PID" 40 || { PID=0; VR_NOTE="vllm-router did not become ready (see latest-raw.log)"; }
}

# ---------------------------------------------------------------- measurement

declare -A RPS P50 P99 ERR CPU C1 TTFB IDLE IDLE_MAX IDLE_PSS PEAK NOTE BASE_C1 BASE_TTFB RCPU
UP_PORT=0   # the current scenario's upstream, for the paired direct probes
UP_PID=0

# Moves every thread of the tree of $1 to CPU $2 (PIN=1 only). The latency probes run with probe, router and
# upstream on one core: a cross-core wake-up of an idle vCPU costs this VM 100-400 µs, depending on what else
# runs, and would swamp the router's own path (same-core wrk -> nginx c=1 p50 is ~35 µs and steady).
move_tree() {
    local pid
    [ "$PIN" = 1 ] || return 0
    for pid in $(tree_pids "$1"); do taskset -a -p -c "$2" "$pid" >/dev/null 2>&1 || true; done
}

# Runs wrk; $1 stream 0/1, $2 connections, $3 seconds, $4 port, $5 output file. Prints nothing.
# c=1 runs sit with the TTFB probe (on the router's core, PIN=1), the others with the upstream.
wrk_run() {
    local cpu=("${LOAD_CPU[@]}")
    [ "$2" != 1 ] || cpu=("${PROBE_CPU[@]}")
    {
        echo "### wrk stream=$1 c=$2 d=$3 port=$4"
        MODEL=bench STREAM=$1 "${cpu[@]}" wrk -t1 -c"$2" -d"$3"s --timeout 5s --latency -s "$ROOT/bench/chat.lua" \
            "http://127.0.0.1:$4/v1/chat/completions" 2>&1 || true
    } >"$5"
    cat "$5" >>"$RAW"
}

# Field $2 of the BENCH line chat.lua's done() printed into file $1.
field() {
    awk -v f="$2" '/^BENCH / { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' "$1"
}

# Runs the TTFB probe against port $1 (output kept in file $2) and prints its p50 in ms.
ttfb_p50() {
    "${PROBE_CPU[@]}" python3 "$ROOT/bench/ttfb.py" --url "http://127.0.0.1:$1" -n "$TTFB_N" >"$2" 2>&1 || true
    cat "$2" >>"$RAW"
    sed -n 's/^TTFB .*p50_ms=\([0-9.]*\).*/\1/p' "$2"
}

# One throughput load: a warm-up, then $6 seconds of c=$CONNECTIONS wrk against port $2 ($1: 1 = streams), output
# in files $3.*, with the CPU of the process tree $4 (0: none) and of process $5 (a redis-server; empty: none) taken
# around it. Sets RUN_GOOD (requests answered without a status error; empty when wrk printed no summary), RUN_RPS,
# RUN_ERRS, and RUN_CPU_US / RUN_RCPU_US (CPU-µs per good request; empty when not measured).
throughput_run() {
    local stream=$1 port=$2 out=$3 pid=$4 rpid=$5 seconds=$6 t0=0 t1=0 r0=0 r1=0 req dur
    RUN_GOOD="" RUN_RPS="" RUN_ERRS="" RUN_CPU_US="" RUN_RCPU_US=""
    wrk_run "$stream" "$CONNECTIONS" "$WARMUP" "$port" "$out.warmup"
    [ "$pid" = 0 ] || t0=$(cpu_ticks "$pid")
    [ -z "$rpid" ] || r0=$(cpu_ticks "$rpid")
    wrk_run "$stream" "$CONNECTIONS" "$seconds" "$port" "$out.load"
    [ "$pid" = 0 ] || t1=$(cpu_ticks "$pid")
    [ -z "$rpid" ] || r1=$(cpu_ticks "$rpid")
    req=$(field "$out.load" requests)
    [ -n "$req" ] || return 0
    dur=$(field "$out.load" duration_us)
    RUN_ERRS=$(( $(field "$out.load" connect) + $(field "$out.load" read) + $(field "$out.load" write) \
        + $(field "$out.load" status) + $(field "$out.load" timeout) ))
    RUN_GOOD=$((req - $(field "$out.load" status)))
    RUN_RPS=$(awk -v n="$RUN_GOOD" -v d="$dur" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
    [ "$RUN_GOOD" -gt 0 ] || return 0
    [ "$pid" = 0 ] || RUN_CPU_US=$(awk -v t=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$RUN_GOOD" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
    [ -z "$rpid" ] || RUN_RCPU_US=$(awk -v t=$((r1 - r0)) -v hz="$CLK_TCK" -v n="$RUN_GOOD" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
}

# Measures one row: $1 scenario (A|B), $2 label, $3 port, $4 router pid (0: direct, nothing to account).
measure() {
    local scen=$1 label=$2 port=$3 pid=$4 key="$1|$2" stream=0 out
    [ "$scen" = B ] && stream=1
    out=$TMP/run-$scen-${label//[^A-Za-z0-9]/_}
    say "  $scen: $label"
    [ "$pid" = 0 ] || IDLE[$key]=$(mem_kb "$pid" VmRSS)
    [ "$pid" = 0 ] || IDLE_MAX[$key]=$(max_kb "$pid" VmRSS)
    [ "$pid" = 0 ] || IDLE_PSS[$key]=$(pss_kb "$pid")
    throughput_run "$stream" "$port" "$out" "$pid" "${MEASURE_REDIS_PID:-}" "$DURATION"
    if [ -z "$RUN_GOOD" ]; then
        NOTE[$key]="wrk produced no summary"
        return 0
    fi
    RPS[$key]=$RUN_RPS
    P50[$key]=$(field "$out.load" p50_us)
    P99[$key]=$(field "$out.load" p99_us)
    ERR[$key]=$RUN_ERRS
    [ -z "$RUN_CPU_US" ] || CPU[$key]=$RUN_CPU_US
    [ -z "$RUN_RCPU_US" ] || RCPU[$key]=$RUN_RCPU_US
    # Latency probes are paired: a direct probe right before each router's, so that a noisy moment (others
    # share this machine) shifts both sides of the difference instead of poisoning one baseline for all rows.
    # The router joins them too (a 2-worker Switchyard floats over both cores for throughput), then goes back.
    local affinity=""
    if [ "$pid" != 0 ] && [ "$PIN" = 1 ]; then
        affinity=$(taskset -pc "$pid" 2>/dev/null | awk -F': ' '{ print $2 }')
        move_tree "$pid" 1
    fi
    move_tree "$UP_PID" 1
    if [ "$scen" = A ]; then
        if [ "$pid" != 0 ]; then
            wrk_run "$stream" 1 "$C1_DURATION" "$UP_PORT" "$out.c1base"
            BASE_C1[$key]=$(field "$out.c1base" p50_us)
        fi
        wrk_run "$stream" 1 "$C1_DURATION" "$port" "$out.c1"
        C1[$key]=$(field "$out.c1" p50_us)
    else
        # For streams the whole-reply time at c=1 is no overhead measure (a relay that coalesces 200 small
        # events into fewer writes can beat direct); time to first byte is.
        if [ "$pid" != 0 ]; then
            BASE_TTFB[$key]=$(ttfb_p50 "$UP_PORT" "$out.ttfbbase")
        fi
        TTFB[$key]=$(ttfb_p50 "$port" "$out.ttfb")
    fi
    move_tree "$UP_PID" 0
    [ -z "$affinity" ] || move_tree "$pid" "$affinity"
    [ "$pid" = 0 ] || PEAK[$key]=$(mem_kb "$pid" VmHWM)
}

# Runs every row of scenario $1 against the upstream on port $2 (already started, process $3).
run_rows() {
    local scen=$1 up=$2 n2
    UP_PORT=$up
    UP_PID=$3
    measure "$scen" direct "$up" 0

    start_switchyard "$up" 1
    if [ "$PID" != 0 ]; then
        measure "$scen" "switchyard (1 worker)" "$PORT" "$PID"
        stop_tree "$PID"
    else
        NOTE["$scen|switchyard (1 worker)"]="did not start"
    fi

    if [ "$scen" = B ]; then
        # Translated: the same OpenAI client, the mock answering in Ollama's dialect (native /api/chat, NDJSON
        # stream translated into OpenAI SSE chunks by the router). Target: CPU per stream <= 1.5x the passthrough.
        start_switchyard "$up" 1 "" "" ollama
        if [ "$PID" != 0 ]; then
            measure "$scen" "switchyard → Ollama dialect (1 worker)" "$PORT" "$PID"
            stop_tree "$PID"
        else
            NOTE["$scen|switchyard → Ollama dialect (1 worker)"]="did not start"
        fi
    else
        NOTE["$scen|switchyard → Ollama dialect (1 worker)"]="streaming scenario only (the nginx upstream speaks only the OpenAI API)"
    fi

    if [ -n "$REDIS_BENCH_PORT" ]; then
        # The same router sharing its selection state through one Redis on loopback (balanced: one script per
        # acquire, one per release). Redis's own CPU is reported below the table, not in the router column.
        export LLM_ROUTER_REDIS_URL="redis://127.0.0.1:$REDIS_BENCH_PORT"
        start_switchyard "$up" 1 "" balanced
        unset LLM_ROUTER_REDIS_URL
        if [ "$PID" != 0 ]; then
            MEASURE_REDIS_PID=$REDIS_BENCH_PID measure "$scen" "switchyard + Redis (1 worker)" "$PORT" "$PID"
            stop_tree "$PID"
        else
            NOTE["$scen|switchyard + Redis (1 worker)"]="did not start"
        fi
        # The same with provider limits configured but never reached (rpm, tpm, max_concurrency): the check rides
        # on the acquire script's one round trip. Target: CPU per request within 10% of the row above.
        export LLM_ROUTER_REDIS_URL="redis://127.0.0.1:$REDIS_BENCH_PORT"
        PROVIDER_EXTRA=', "rpm": 100000000, "tpm": 1000000000000, "max_concurrency": 100000' start_switchyard "$up" 1 "" balanced
        unset LLM_ROUTER_REDIS_URL
        if [ "$PID" != 0 ]; then
            MEASURE_REDIS_PID=$REDIS_BENCH_PID measure "$scen" "switchyard + Redis + limits (1 worker)" "$PORT" "$PID"
            stop_tree "$PID"
        else
            NOTE["$scen|switchyard + Redis + limits (1 worker)"]="did not start"
        fi
    fi

    if [ -n "$BASELINE_BIN" ]; then
        start_switchyard "$up" 1 "$BASELINE_BIN"
        if [ "$PID" != 0 ]; then
            measure "$scen" "baseline (1 worker)" "$PORT" "$PID"
            stop_tree "$PID"
        else
            NOTE["$scen|baseline (1 worker)"]="did not start"
        fi
    fi

    start_switchyard "$up" 2
    if [ "$PID" != 0 ]; then
        sleep 0.5  # let a supervisor spawn its workers before counting processes
        n2=$(tree_pids "$PID" | wc -l)
        if [ "$n2" -ge 2 ]; then
            measure "$scen" "switchyard (2 workers, private Redis)" "$PORT" "$PID"
        else
            NOTE["$scen|switchyard (2 workers, private Redis)"]="--workers 2 runs $n2 process (multi-worker not in this build)"
        fi
        stop_tree "$PID"
    else
        NOTE["$scen|switchyard (2 workers, private Redis)"]="did not start"
    fi

    start_vllm_router "$up"
    if [ "$PID" != 0 ]; then
        measure "$scen" vllm-router "$PORT" "$PID"
        stop_tree "$PID"
    else
        NOTE["$scen|vllm-router"]=${VR_NOTE:-did not start}
    fi

    start_nginx "proxy-$scen" "$up" "${ROUTER_CPU[@]}"
    if [ "$PID" != 0 ]; then
        measure "$scen" "nginx proxy" "$PORT" "$PID"
        stop_tree "$PID"
    else
        NOTE["$scen|nginx proxy"]="did not start"
    fi
}

REDIS_BENCH_PORT=""
REDIS_BENCH_PID=""
if [ "${REDIS:-1}" = 1 ] && command -v redis-server >/dev/null; then
    REDIS_BENCH_PORT=$(free_port)
    # Started floating; place_redis moves it per scenario. In the streaming scenario, pinned to CPU 0 beside the
    # load generator and a busy streaming upstream, it starved and every acquisition waited for it (57 streams/s
    # measured), so there it floats. In scenario A see REDIS_PLACE_A and the paired rounds, which measure both.
    REDIS_CPU=()
    [ "$PIN" = 1 ] && REDIS_CPU=(taskset -c 0,1)
    "${REDIS_CPU[@]}" redis-server --bind 127.0.0.1 --port "$REDIS_BENCH_PORT" --save '' --appendonly no --dir "$TMP" >>"$RAW" 2>&1 &
    REDIS_BENCH_PID=$!
    STARTED+=("$REDIS_BENCH_PID")
    for _ in $(seq 50); do redis-cli -p "$REDIS_BENCH_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$REDIS_BENCH_PORT" ping >/dev/null 2>&1 || { REDIS_BENCH_PORT=""; say "bench: redis-server did not start; no Redis row"; }
fi

# Moves redis-server (all its threads) onto CPU list $1 ("0" or "0,1"); nothing without pinning or without Redis.
place_redis() {
    [ "$PIN" = 1 ] && [ -n "$REDIS_BENCH_PORT" ] || return 0
    taskset -apc "$1" "$REDIS_BENCH_PID" >/dev/null 2>&1 || say "bench: could not move redis-server to CPU $1"
}

# The Redis row against the in-memory row, paired: both routers run side by side and take turns ($PAIRS rounds of
# $PAIR_DURATION s each, same upstream), so that this machine's drift between rows measured minutes apart (±20%
# here) shifts both sides of each ratio; the median round is the figure to quote.
paired_redis() {  # $1 upstream port, $2 where redis-server runs (a sentence for the table's heading)
    local up=$1 place=$2 mem_pid mem_port red_pid red_port round key line
    local -a rows=()
    start_switchyard "$up" 1 "" balanced
    mem_pid=$PID mem_port=$PORT
    export LLM_ROUTER_REDIS_URL="redis://127.0.0.1:$REDIS_BENCH_PORT"
    start_switchyard "$up" 1 "" balanced
    unset LLM_ROUTER_REDIS_URL
    red_pid=$PID red_port=$PORT
    if [ "$mem_pid" = 0 ] || [ "$red_pid" = 0 ]; then
        printf '#### redis-server %s\n\n- not run (a router did not start)\n\n' "$place" >>"$PAIRED_MD"
        stop_tree "$mem_pid"; stop_tree "$red_pid"
        return 0
    fi
    say "  A: paired rounds, in-memory and Redis ($PAIRS × $PAIR_DURATION s each; redis-server $place)"
    for round in $(seq "$PAIRS"); do
        line="| $round |"
        for key in mem red; do
            if [ "$key" = mem ]; then
                throughput_run 0 "$mem_port" "$TMP/paired-$round-$key" "$mem_pid" "" "$PAIR_DURATION"
            else
                throughput_run 0 "$red_port" "$TMP/paired-$round-$key" "$red_pid" "$REDIS_BENCH_PID" "$PAIR_DURATION"
            fi
            if [ -n "$RUN_CPU_US" ]; then line="$line $RUN_RPS | $RUN_CPU_US |"; else line="$line n/a | n/a |"; fi
            [ "$key" = mem ] || line="$line ${RUN_RCPU_US:-n/a} |"
        done
        rows+=("$line")
    done
    stop_tree "$mem_pid"; stop_tree "$red_pid"
    {
        echo "#### redis-server $place"
        echo
        echo "| round | in-memory req/s | CPU µs/req | + Redis req/s | CPU µs/req | redis-server µs/req | req/s × | CPU × |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|"
        printf '%s\n' "${rows[@]}" | awk -F'|' '{
            m = $3 + 0; mc = $4 + 0; r = $5 + 0; rc = $6 + 0
            if (m <= 0 || r <= 0 || mc <= 0) { printf "%s n/a | n/a |\n", $0; next }
            n++; xs[n] = r / m; cs[n] = rc / mc
            printf "%s %.2f× | %.2f× |\n", $0, xs[n], cs[n]
        } END {
            if (n == 0) { print "| median | | | | | | n/a | n/a |"; exit }
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) { if (xs[j] < xs[i]) { t = xs[i]; xs[i] = xs[j]; xs[j] = t } if (cs[j] < cs[i]) { t = cs[i]; cs[i] = cs[j]; cs[j] = t } }
            printf "| median | | | | | | %.2f× | %.2f× |\n", xs[int((n + 1) / 2)], cs[int((n + 1) / 2)]
        }'
        echo
    } >>"$PAIRED_MD"
}

say "scenario A: non-streaming, nginx upstream"
start_nginx upstream-A static "${LOAD_CPU[@]}"
[ "$PID" != 0 ] || die "nginx upstream did not start (see $RAW)"
UP_A=$PID
UP_A_PORT=$PORT
if [ "$REDIS_PLACE_A" = load ]; then place_redis 0; else place_redis 0,1; fi
run_rows A "$UP_A_PORT" "$UP_A"
PAIRED_MD=$TMP/paired.md
: >"$PAIRED_MD"
if [ -n "$REDIS_BENCH_PORT" ] && [ "$PAIRS" -gt 0 ]; then
    if [ "$PIN" = 1 ]; then
        place_redis 0
        paired_redis "$UP_A_PORT" "on CPU 0 (beside wrk and the upstream, off the router's core)"
        place_redis 0,1
        paired_redis "$UP_A_PORT" "floating on both cores (the scheduler's choice; often the router's core)"
    else
        paired_redis "$UP_A_PORT" "unpinned (PIN=0)"
    fi
fi
place_redis 0,1
stop_tree "$UP_A"

say "scenario B: streaming, mock upstream ($STREAM_TOKENS SSE events per reply, no token delay)"
start_mock
[ "$PID" != 0 ] || die "mock upstream did not start"
UP_B=$PID
run_rows B "$PORT" "$UP_B"
stop_tree "$UP_B"

say "scenario C: builtin translate fan-out (16 texts, mock with ${FANOUT_LATENCY_MS:-200} ms latency per call)"
FANOUT_MD=$TMP/fanout.md
PORT=$(free_port)
"${LOAD_CPU[@]}" "$BIN" mock --host 127.0.0.1 --port "$PORT" --id fan --tokens 16 --latency-ms "${FANOUT_LATENCY_MS:-200}" >>"$RAW" 2>&1 &
FAN_UP=$!
STARTED+=("$FAN_UP")
FAN_PORT=$PORT
if wait_http "$FAN_PORT" /health "$FAN_UP" 10; then
    echo "| 16-text translate | one call | min ms | p50 ms | max ms | vs one call (p50) | sequential (llm-router) |" >"$FANOUT_MD"
    echo "|---|---:|---:|---:|---:|---:|---:|" >>"$FANOUT_MD"
    for conc in 8 16; do
        # The default concurrency (8) runs the 16 texts in two waves; 16 runs them in one.
        export LLM_ROUTER_BUILTIN_CONCURRENCY=$conc
        start_switchyard "$FAN_PORT" 1
        unset LLM_ROUTER_BUILTIN_CONCURRENCY
        if [ "$PID" = 0 ]; then
            echo "| switchyard (1 worker, concurrency $conc) | did not start | | | | | |" >>"$FANOUT_MD"
            continue
        fi
        # Five sequential requests of 16 texts each; one call takes the mock's latency.
        python3 - "$PORT" "${FANOUT_LATENCY_MS:-200}" "$conc" >>"$FANOUT_MD" 2>>"$RAW" <<'PY' || echo "| switchyard (concurrency $conc) | run failed (see raw log) | | | | | |" >>"$FANOUT_MD"
import http.client, json, statistics, sys, time
port, latency, concurrency = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
body = json.dumps({"model_name": "bench", "texts": ["text %d to translate" % i for i in range(16)], "target_language": "English"})
times = []
for _ in range(5):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    connection.request("POST", "/api/translate", body, {"Content-Type": "application/json"})
    reply = connection.getresponse()
    data = reply.read()
    times.append((time.perf_counter() - start) * 1000)
    assert reply.status == 200 and len(json.loads(data)["response"]) == 16, data[:300]
print("| switchyard (1 worker, concurrency %d) | %.0f ms | %.0f | %.0f | %.0f | %.2f× | ~%.0f ms |" % (concurrency, latency, min(times), statistics.median(times), max(times), statistics.median(times) / latency, 16 * latency))
PY
        stop_tree "$PID"
    done
    stop_tree "$FAN_UP"
else
    echo "- fan-out mock did not start" >"$FANOUT_MD"
fi

say "scenario D: queue hand-off (first_available, one slot, mock latency ${QUEUE_LATENCY_MS:-5} ms, ${QUEUE_CLIENTS:-8} clients)"
QUEUE_MD=$TMP/queue.md
PORT=$(free_port)
"${LOAD_CPU[@]}" "$BIN" mock --host 127.0.0.1 --port "$PORT" --id q --tokens 8 --latency-ms "${QUEUE_LATENCY_MS:-5}" >>"$RAW" 2>&1 &
Q_UP=$!
STARTED+=("$Q_UP")
Q_PORT=$PORT
if wait_http "$Q_PORT" /health "$Q_UP" 10; then
    echo "| queue | requests | per request ms | gap after a release (mean) ms | hand-off p50 µs | hand-off p99 µs | non-200 |" >"$QUEUE_MD"
    echo "|---|---:|---:|---:|---:|---:|---:|" >>"$QUEUE_MD"
    for kind in memory redis refill; do
        [ "$kind" != memory ] && [ -z "$REDIS_BENCH_PORT" ] && continue
        export LLM_ROUTER_ADMIN_TOKEN=bench-admin
        [ "$kind" != memory ] && export LLM_ROUTER_REDIS_URL="redis://127.0.0.1:$REDIS_BENCH_PORT"
        if [ "$kind" = refill ]; then
            # Held back by rpm instead of a slot: 600 per minute refills one request every 100 ms; every request
            # after the burst waits for the refill time the script computes.
            PROVIDER_EXTRA=', "rpm": 600' start_switchyard "$Q_PORT" 1 "" balanced
        else
            # nworkers 1 through the llm-router config: start_switchyard writes one provider (default nworkers 1).
            start_switchyard "$Q_PORT" 1 "" first_available
        fi
        unset LLM_ROUTER_REDIS_URL LLM_ROUTER_ADMIN_TOKEN
        if [ "$PID" = 0 ]; then
            echo "| $kind | did not start | | | | | |" >>"$QUEUE_MD"
            continue
        fi
        python3 - "$PORT" "${QUEUE_LATENCY_MS:-5}" "${QUEUE_CLIENTS:-8}" "${QUEUE_SECONDS:-4}" "$kind" >>"$QUEUE_MD" 2>>"$RAW" <<'PY' || echo "| $kind | run failed (see raw log) | | | | | |" >>"$QUEUE_MD"
import http.client, json, sys, threading, time
port, latency, clients, seconds, kind = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
if kind == "refill":
    # Spend the burst of 600 first, then time the refill-paced requests: one every 100 ms is the ideal.
    body = json.dumps({"model": "bench", "messages": [{"role": "user", "content": "hi"}]})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(900):
        started = time.perf_counter()
        connection.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        connection.getresponse().read()
        if time.perf_counter() - started > 0.05: break   # the bucket is empty: this one waited for the refill
    gaps, last, bad = [], time.perf_counter(), 0
    for _ in range(20):
        connection.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        reply = connection.getresponse()
        reply.read()
        if reply.status != 200: bad += 1
        now = time.perf_counter()
        gaps.append((now - last) * 1000 - 100)
        last = now
    gaps.sort()
    print("| redis, rpm refill (600/min: one per 100 ms) | 20 | %.2f | %.2f (past the 100 ms refill) | %.0f (p50 late) | %.0f (max late) | %d |" % (100 + sum(gaps) / len(gaps), sum(gaps) / len(gaps), gaps[len(gaps) // 2] * 1000, gaps[-1] * 1000, bad))
    sys.exit(0)
body = json.dumps({"model": "bench", "messages": [{"role": "user", "content": "hi"}]})
done, bad, lock = [0], [0], threading.Lock()
stop = time.perf_counter() + seconds
def client():
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.perf_counter() < stop:
        connection.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        reply = connection.getresponse()
        reply.read()
        with lock:
            done[0] += 1
            if reply.status != 200: bad[0] += 1
start = time.perf_counter()
threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.perf_counter() - start
per = elapsed * 1000 / max(done[0], 1)
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
connection.request("GET", "/admin/state", headers={"Authorization": "Bearer bench-admin"})
state = json.loads(connection.getresponse().read())
wakes = (state.get("redis") or {}).get("hand_off_latency_us") or {}
fmt = lambda v: "n/a (in-process)" if v is None else "%d" % v
print("| %s | %d | %.2f | %.2f | %s | %s | %d |" % (kind, done[0], per, per - latency, fmt(wakes.get("p50")), fmt(wakes.get("p99")), bad[0]))
PY
        stop_tree "$PID"
    done
    stop_tree "$Q_UP"
else
    echo "- queue mock did not start" >"$QUEUE_MD"
fi

# ---------------------------------------------------------------- table

ROWS=(direct "switchyard (1 worker)" "switchyard → Ollama dialect (1 worker)")
[ -n "$REDIS_BENCH_PORT" ] && ROWS+=("switchyard + Redis (1 worker)" "switchyard + Redis + limits (1 worker)")
[ -n "$BASELINE_BIN" ] && ROWS+=("baseline (1 worker)")
ROWS+=("switchyard (2 workers, private Redis)" vllm-router "nginx proxy")

mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# Prints the markdown table of scenario $1 ($2 = unit of one request, e.g. "req" or "stream").
table() {
    local scen=$1 unit=$2 label key d="$1|direct" ratio cpu c1 rss ttfb notes=()
    if [ "$scen" = B ]; then
        echo "| $scen | ${unit}s/s | vs direct | p50 ms | p99 ms | errors | router CPU µs/$unit | TTFB p50 ms | TTFB overhead ms | idle MB: largest RSS / tree PSS / tree RSS → peak |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    else
        echo "| $scen | ${unit}/s | vs direct | p50 ms | p99 ms | errors | router CPU µs/$unit | added p50 at c=1 µs | idle MB: largest RSS / tree PSS / tree RSS → peak |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    fi
    for label in "${ROWS[@]}"; do
        key="$scen|$label"
        if [ -z "${RPS[$key]:-}" ]; then
            notes+=("$label: ${NOTE[$key]:-no result}")
            if [ "$scen" = B ]; then
                echo "| $label | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |"
            else
                echo "| $label | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |"
            fi
            continue
        fi
        ratio=$(awk -v a="${RPS[$key]}" -v b="${RPS[$d]:-0}" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "n/a" }')
        if [ "$label" = direct ]; then
            cpu="n/a"
            c1="(base ${C1[$key]:-?})"
            rss="n/a"
        else
            cpu=${CPU[$key]:-n/a}
            c1=$(awk -v a="${C1[$key]:-}" -v b="${BASE_C1[$key]:-}" 'BEGIN { if (a != "" && b != "") printf "%+d", a - b; else print "n/a" }')
            rss="$(mb "${IDLE_MAX[$key]:-0}") / $(mb "${IDLE_PSS[$key]:-0}") / $(mb "${IDLE[$key]:-0}") → $(mb "${PEAK[$key]:-0}")"
        fi
        printf '| %s | %s | %s | %s | %s | %s | %s |' "$label" "${RPS[$key]}" "$ratio" \
            "$(awk -v u="${P50[$key]}" 'BEGIN { printf "%.2f", u / 1000 }')" \
            "$(awk -v u="${P99[$key]}" 'BEGIN { printf "%.2f", u / 1000 }')" "${ERR[$key]}" "$cpu"
        if [ "$scen" = A ]; then
            printf ' %s |' "$c1"
        else
            if [ "$label" = direct ]; then
                ttfb="(base)"
            else
                ttfb=$(awk -v a="${TTFB[$key]:-}" -v b="${BASE_TTFB[$key]:-}" 'BEGIN { if (a != "" && b != "") printf "%+.3f", a - b; else print "n/a" }')
            fi
            printf ' %s | %s |' "${TTFB[$key]:-n/a}" "$ttfb"
        fi
        printf ' %s |\n' "$rss"
    done
    if [ -n "${RCPU[$scen|switchyard + Redis (1 worker)]:-}" ]; then
        echo
        echo "- switchyard + Redis: redis-server spent ${RCPU[$scen|switchyard + Redis (1 worker)]} CPU-µs per $unit (not in the router column)"
    fi
    if [ ${#notes[@]} -gt 0 ]; then
        echo
        for label in "${notes[@]}"; do echo "- n/a — $label"; done
    fi
}

echo "- machine after the run: $(busy_now)" >>"$ENV_MD"

OUT=$TMP/table.md
{
    echo "## A — non-streaming chat completion, nginx upstream (~600-byte reply)"
    echo
    table A req
    echo
    if [ -s "${PAIRED_MD:-}" ]; then
        echo "### A — Redis against in-memory, paired rounds (balanced, 1 worker each, $PAIR_DURATION s per turn)"
        echo
        echo "Both routers run side by side and take turns on the same upstream, so that drift between rows measured"
        echo "minutes apart shifts both sides of a ratio; quote the median. Once with redis-server beside the load"
        echo "generator (a shared Redis is a service of its own, not on the router's core), once floating."
        echo
        cat "$PAIRED_MD"
        echo
    fi
    echo "## B — streaming chat completion, mock upstream ($STREAM_TOKENS SSE events per reply, no token delay)"
    echo
    table B stream
    echo
    echo "## C — builtin fan-out: one /api/translate request with 16 texts, mock latency ${FANOUT_LATENCY_MS:-200} ms per call"
    echo
    cat "$FANOUT_MD" 2>/dev/null || echo "- not run"
    echo
    echo "## D — queue hand-off: first_available with one slot, ${QUEUE_CLIENTS:-8} clients, mock latency ${QUEUE_LATENCY_MS:-5} ms"
    echo
    echo "Every request but one waits in the queue; 'gap' is the time per request beyond the mock's latency (release →"
    echo "hand-off → next upstream request, plus the router's own work); 'hand-off' is measured inside the router, from"
    echo "the Redis script that handed the slot over to the grant in the waiting worker (/admin/state)."
    echo
    cat "$QUEUE_MD" 2>/dev/null || echo "- not run"
} >"$OUT"
echo
cat "$OUT"
{
    echo "# Switchyard benchmark"
    echo
    cat "$ENV_MD"
    echo
    cat "$OUT"
} >"$RESULTS/latest.md"
tail -1 "$ENV_MD"
say ""
say "written to bench/results/latest.md (raw tool output: bench/results/latest-raw.log)"
