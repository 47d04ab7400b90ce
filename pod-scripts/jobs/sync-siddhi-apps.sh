#!/bin/sh
# Makes the SP managers run exactly the Siddhi apps of $APPS_DIR (one <name>.siddhi per app), through
# the REST API of the leader manager, then checks the running pattern. Run by the siddhi-apps Job.
#
# What it relies on (carbon-analytics v2.1.22, the version SP 4.4.0 ships):
# - GET /managers/isActive answers 200 only on the leader manager
#   (sp.jobmanager.core ManagersApiServiceImpl.isActive).
# - GET /resourceClusterWorkers answers the number of registered resource nodes
#   (sp.jobmanager.core WorkersApiServiceImpl.getResourceCluster).
# - PUT /siddhi-apps (text/plain) compiles the app and, when it compiles, saves it as
#   wso2/manager/deployment/siddhi-files/<name>.siddhi (on any manager); 400 with the compiler's message when not. DELETE
#   /siddhi-apps/<name> deletes the file. The manager's file deployer then deploys, redeploys or
#   undeploys it, and the leader distributes it to the workers (stream.processor.core
#   SiddhiAppsApiServiceImpl, StreamProcessorService.validateAndSave, StreamProcessorDeployer).
# - GET /siddhi-apps lists the apps, GET /siddhi-apps/<name> returns {"content": ...} and
#   /siddhi-apps/<name>/status {"status": "active"|"inactive"}; an app the leader could not
#   distribute stays listed as inactive (StreamProcessorDeployer.deploySiddhiQLFile).
# - GET /managers/siddhi-apps/<name> lists the partial apps; "waiting" ones were held back for lack
#   of resource nodes (sp.jobmanager.core DeploymentManagerImpl.deploy).
#
# - In distributed mode a manager that is not the leader ignores deploys, and one that becomes the
#   leader restores the resource pool (which partial apps run on which worker) from SP_MGT_DB but
#   not its list of apps (StreamProcessorService.deploySiddhiApp, sp.jobmanager.core
#   CoordinatorChangeListener): after a failover the new leader lists nothing until the apps are
#   sent again. Sending an app whose partial apps the pool already holds changes nothing on the
#   workers (DeploymentManagerImpl.deploy: "Exact Siddhi app ... is already deployed").
# These are collected, with their sources, in docs/siddhi-apps.md.
#
# Apps this script deploys end with a marker comment carrying the digest of the file; apps without
# it were deployed by other means and are left alone. An app of the folder with the same name as
# one deployed by other means replaces it. A pass with nothing to change sends nothing: it costs the
# two /managers/isActive calls, one /resourceClusterWorkers, two listings and one GET per app.
# Two passes over the same folder (the deploy-time Job and a reconciler pass) may run at once: they
# send the same content, so the last write wins with the same state (README, Siddhi apps).
#
# Environment: MANAGER_URLS (space-separated https://host:port), ADMIN_USERNAME, ADMIN_PASSWORD,
# APPS_DIR, MIN_WORKERS (the managers' minResourceCount), TIMEOUT_SECONDS, POLL_SECONDS,
# RUN_ID (unique per run: the pod name), TERMINATION_LOG (default /dev/termination-log),
# CA_CERT (PEM of the CA that signed the managers' certificates; unset: the product's default
# keystore, whose certificate is not verified).
set -eu

: "${POLL_SECONDS:=5}" "${TIMEOUT_SECONDS:=1200}" "${TERMINATION_LOG:=/dev/termination-log}"
marker="-- deployed-by wso2-sp siddhi-apps sha256:"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
deadline=$(($(date +%s) + TIMEOUT_SECONDS))

log() { printf '%s\n' "$*"; }
# Kubernetes keeps the termination log as the container's message, which `pulumi up` reports.
finish() {
    code=$1
    shift
    printf '%s\n' "$@" >"$work/message"
    if [ "$code" -ne 0 ]; then cat "$work/message" >&2; else cat "$work/message"; fi
    head -c 4000 "$work/message" >"$TERMINATION_LOG" 2>/dev/null || true
    exit "$code"
}
expired() { [ "$(date +%s)" -ge "$deadline" ]; }

# The password reaches curl on stdin, never on a command line.
password=$(printf '%s' "$ADMIN_PASSWORD" | sed 's/\\/\\\\/g; s/"/\\"/g')
# With the stack's own CA the managers' certificates are verified; the product's default one is
# self-signed for localhost and shipped with every download, so there is nothing to verify it by (-k).
if [ -n "${CA_CERT:-}" ]; then trust="--cacert $CA_CERT"; else trust=-k; fi
# request BASE_URL METHOD PATH [BODY_FILE]: sets $status (000 when unreachable), body in $work/body.
request() {
    set -- "$1$3" "$2" "${4:-}"
    if [ -n "$3" ]; then
        set -- "$1" "$2" -H "Content-Type: text/plain" --data-binary "@$3"
    else
        set -- "$1" "$2"
    fi
    request_url=$1
    request_method=$2
    shift 2
    : >"$work/curl-error"
    # $trust is one option or an option and a path without spaces: split on purpose.
    # shellcheck disable=SC2086
    status=$(printf 'user = "%s:%s"\n' "$ADMIN_USERNAME" "$password" |
        curl -sS $trust --connect-timeout 5 --max-time 30 -K - -X "$request_method" -o "$work/body" -w '%{http_code}' "$@" "$request_url" 2>"$work/curl-error") ||
        { status=000; : >"$work/body"; }
}
# The "message" of an SP error response, or the start of the body.
reason() {
    message=$(sed -n 's/.*"message" *: *"\(.*\)".*/\1/p' "$work/body" | sed 's/\\u0027/'"'"'/g; s/\\"/"/g; s/\\n/ /g; s/\\t/ /g')
    if [ -z "$message" ]; then message=$(tr '\n' ' ' <"$work/body"); fi
    printf '%s' "$message" | head -c 600
}
# What the last answer means, in one phrase: no answer, refused credentials, or SP's status and message.
failure() {
    case $status in
        000) printf 'no answer: %s' "$(tr '\n' ' ' <"$work/curl-error" | head -c 300)" ;;
        401) printf 'HTTP 401: the admin credentials were refused (the credentials Secret and the managers disagree)' ;;
        *) printf 'HTTP %s: %s' "$status" "$(reason)" ;;
    esac
}
digest_of() { sha256sum "$1" | cut -d ' ' -f 1; }
app_files() { for file in "$APPS_DIR"/*.siddhi; do [ -e "$file" ] && printf '%s\n' "$file"; done; return 0; }
# The names of a JSON list of app names, one a line.
names_of() { tr -d '[]"' <"$work/body" | tr ',' '\n' | grep -E '^[-._A-Za-z0-9]+$' || true; }
listed() { printf '%s\n' "$2" | grep -qxF -e "$1"; }

# 1. The leader manager: the one manager that answers /managers/isActive with 200.
find_leader() {
    while :; do
        leader=""
        leaders=0
        answers=""
        for url in $MANAGER_URLS; do
            request "$url" GET /managers/isActive
            answers="$answers $url: $(failure);"
            if [ "$status" = 200 ]; then
                leader=$url
                leaders=$((leaders + 1))
            fi
        done
        if [ "$leaders" -eq 1 ]; then return 0; fi
        if expired; then finish 1 "no single leader manager after ${TIMEOUT_SECONDS}s (/managers/isActive:$answers)"; fi
        sleep "$POLL_SECONDS"
    done
}

# 2. Enough workers: the leader distributes apps only once minResourceCount resource nodes joined.
count_workers() {
    request "$leader" GET /resourceClusterWorkers
    workers=0
    if [ "$status" = 200 ]; then workers=$(tr -dc '0-9' <"$work/body"); fi
    workers=${workers:-0}
}
wait_for_workers() {
    while :; do
        count_workers
        if [ "$workers" -ge "$MIN_WORKERS" ]; then return 0; fi
        if expired; then
            finish 1 "only $workers worker(s) registered with the leader manager $leader after ${TIMEOUT_SECONDS}s; it deploys apps once $MIN_WORKERS (minResourceCount) have joined"
        fi
        sleep "$POLL_SECONDS"
    done
}

is_ours() { grep -qF -e "$marker" "$work/body"; }
# app_state NAME: sets $state to the app's status on the leader (active, inactive), empty when unknown.
app_state() {
    request "$leader" GET "/siddhi-apps/$1/status"
    state=$(sed -n 's/.*"status" *: *"\([a-z]*\)".*/\1/p' "$work/body")
}
in_folder() { [ -e "$APPS_DIR/$1.siddhi" ]; }
# list_apps: the leader's apps (all, and the active ones), two calls however many apps there are.
list_apps() {
    request "$leader" GET /siddhi-apps
    [ "$status" = 200 ] || finish 1 "the leader manager $leader did not list its apps (GET /siddhi-apps, $(failure))"
    deployed=$(names_of)
    request "$leader" GET "/siddhi-apps?isActive=true"
    [ "$status" = 200 ] || finish 1 "the leader manager $leader did not list its active apps (GET /siddhi-apps?isActive=true, $(failure))"
    active=$(names_of)
}

find_leader
log "leader manager: $leader"
wait_for_workers
log "workers registered: $workers"
list_apps

errors=""
add_error() { errors="$errors
$*"; }

# 3. Undeploy the apps this script deployed earlier that left the folder.
removed=""
for name in $deployed; do
    in_folder "$name" && continue
    request "$leader" GET "/siddhi-apps/$name"
    [ "$status" = 200 ] && is_ours || continue
    request "$leader" DELETE "/siddhi-apps/$name"
    case $status in
        200)
            removed="$removed $name"
            log "undeploying $name: it left the folder"
            ;;
        404) log "$name: already undeployed" ;; # by a pass running at the same time
        *) add_error "$name: the leader manager $leader did not undeploy it ($(failure))" ;;
    esac
done

# 4. Deploy what is new, changed or not active, with the marker of this run. An app the leader does
# not list (a new leader, after a failover) is sent again without asking for it first.
pending=""
unchanged=""
for file in $(app_files); do
    name=$(basename "$file" .siddhi)
    digest=$(digest_of "$file")
    if listed "$name" "$deployed"; then
        request "$leader" GET "/siddhi-apps/$name"
        if [ "$status" = 200 ] && grep -qF -e "$marker$digest" "$work/body" && listed "$name" "$active"; then
            unchanged="$unchanged $name"
            log "unchanged: $name"
            continue
        fi
    fi
    { cat "$file" && printf '\n%s%s run:%s;\n' "$marker" "$digest" "$RUN_ID"; } >"$work/upload.siddhi"
    request "$leader" PUT /siddhi-apps "$work/upload.siddhi"
    case $status in
        200 | 201)
            pending="$pending $name:$digest"
            log "deploying $name (sha256 $digest)"
            ;;
        *) add_error "$name.siddhi: the leader manager $leader refused it ($(failure))" ;;
    esac
done

# 5. Wait until the file deployer has acted: removed apps gone, deployed ones active on the workers.
# A pass running at the same time may have sent the same content after this one: an active app with
# this digest is done, whichever run's marker it carries.
for name in $removed; do
    while request "$leader" GET "/siddhi-apps/$name" && [ "$status" = 200 ]; do
        if expired; then
            add_error "$name: still deployed on the leader manager $leader ${TIMEOUT_SECONDS}s after its removal"
            break
        fi
        sleep "$POLL_SECONDS"
    done
done
for entry in $pending; do
    name=${entry%%:*}
    digest=${entry#*:}
    state=""
    while :; do
        held_back=false
        request "$leader" GET "/siddhi-apps/$name"
        if [ "$status" = 200 ] && grep -qF -e "$marker$digest" "$work/body"; then
            mine=false
            if grep -qF -e "run:$RUN_ID;" "$work/body"; then mine=true; fi
            app_state "$name"
            if [ "$state" = inactive ] && [ "$mine" = true ]; then
                add_error "$name.siddhi: the leader manager $leader could not deploy it (status inactive); its log names the reason: kubectl logs <leader manager pod> | grep -A 20 $name"
                break
            fi
            if [ "$state" = active ]; then
                request "$leader" GET "/managers/siddhi-apps/$name"
                if grep -qE ': *"waiting"' "$work/body"; then held_back=true; else break; fi
            fi
        fi
        if expired; then
            if [ "$held_back" = true ]; then
                count_workers
                add_error "$name.siddhi: the leader manager $leader held it back in waiting mode (insufficient resources to deploy its partial apps; $workers worker(s) registered)"
            elif [ "$state" = inactive ]; then
                add_error "$name.siddhi: the leader manager $leader could not deploy it (status inactive); its log names the reason: kubectl logs <leader manager pod> | grep -A 20 $name"
            else
                add_error "$name.siddhi: not deployed by the leader manager $leader ${TIMEOUT_SECONDS}s after it was saved there"
            fi
            break
        fi
        sleep "$POLL_SECONDS"
    done
done

# 6. Smoke check of the running pattern. A pass that changed nothing has just seen it all: one
# leader, enough workers, every app of the folder active.
if [ -n "$pending$removed" ]; then
    answers=""
    leaders=0
    for url in $MANAGER_URLS; do
        request "$url" GET /managers/isActive
        if [ "$status" = 200 ]; then leaders=$((leaders + 1)); fi
        answers="$answers $url: $(failure);"
    done
    [ "$leaders" -eq 1 ] || add_error "smoke check: $leaders leader managers (/managers/isActive:$answers)"
    count_workers
    [ "$workers" -ge "$MIN_WORKERS" ] || add_error "smoke check: $workers worker(s) registered, fewer than minResourceCount $MIN_WORKERS"
    list_apps
fi
running=""
for file in $(app_files); do
    name=$(basename "$file" .siddhi)
    if listed "$name" "$active"; then
        running="$running $name"
    else
        case $errors in *"$name"*) ;; *) add_error "smoke check: $name is not active on the leader manager $leader" ;; esac
    fi
done

if [ -n "$errors" ]; then
    finish 1 "Siddhi apps not deployed as the folder says:$errors"
fi
finish 0 "smoke check passed: leader manager $leader, $workers worker(s) registered (minResourceCount $MIN_WORKERS), apps active:${running:- none}${removed:+, undeployed:$removed}"
