#!/bin/sh
# Checks, as the user that will use it, what a workload mounts before the
# workload starts (README, Troubleshooting). Runs in the workload's own image:
# the SP images (Ubuntu) and mysql:5.7 (Debian or Oracle Linux) all ship sh and
# coreutils (id, stat, ls, head).
#
# Usage:
#   preflight.sh volume NAME SERVER:PATH DIR write|read UID:GID MODE
#     DIR is where NAME (the NFS export SERVER:PATH) is mounted. `write`
#     creates and removes a probe file, `read` lists DIR. Owner and mode must
#     be UID:GID and MODE (octal, as stat prints it).
#   preflight.sh secret NAME DIR KEY...
#     DIR is where Secret NAME is mounted (optional, so a missing Secret mounts
#     empty); each KEY must be a non-empty file there.
#
# On a fault: exit 1 and one message of at most 4 KB on stdout and in the
# termination log ($TERMINATION_LOG, /dev/termination-log unless set), which
# the provider reports when the Job fails.
set -u

termination_log=${TERMINATION_LOG:-/dev/termination-log}

fail() {
    message=$(printf '%s' "$1" | head -c 4096)
    printf '%s\n' "$message"
    printf '%s' "$message" 2>/dev/null >"$termination_log" || true
    exit 1
}

usage() {
    fail "preflight: usage: preflight.sh volume NAME SERVER:PATH DIR write|read UID:GID MODE | secret NAME DIR KEY..."
}

# Whether DIR is on a read-only mount: the longest mount point of /proc/mounts
# that is DIR or above it decides (the last one listed, if mounted over). Plain
# sh: the mysql:5.7 images on Oracle Linux slim need not have awk.
read_only_mount() {
    best=-1 ro=no
    while read -r _ point _ options _; do
        case $1/ in
            "${point%/}"/*) ;;
            *) continue ;;
        esac
        if [ ${#point} -ge "$best" ]; then
            best=${#point}
            case ,$options, in
                *,ro,*) ro=yes ;;
                *) ro=no ;;
            esac
        fi
    done </proc/mounts
    [ "$ro" = yes ]
}

check_volume() {
    [ $# -eq 6 ] || usage
    name=$1 export=$2 dir=$3 access=$4 owner=$5 mode=$6
    # Split at ":/", as the path is absolute: an IPv6 server (fd00::5) has colons of its own.
    server=${export%%:/*} server_path=/${export#*:/}
    user="uid $(id -u) gid $(id -g)"
    where="volume $name (NFS $export, mounted at $dir)"
    if [ ! -d "$dir" ]; then
        fail "preflight: $where: $dir is not a directory in the container; the export did not mount as expected."
    fi

    found_owner=$(stat -c '%u:%g' "$dir")
    found_mode=$(stat -c '%a' "$dir")
    found="owner $found_owner, mode $found_mode"
    if read_only_mount "$dir"; then
        read_only=yes
        found="$found, mounted read-only"
    else
        read_only=no
    fi

    problems="" fixes=""
    if [ "$access" = write ]; then
        probe="$dir/.preflight-probe-$$"
        if error=$( (: >"$probe") 2>&1); then
            rm -f "$probe" 2>/dev/null || problems="$problems; $user created $probe but cannot remove it"
        else
            problems="$problems; $user cannot create a file in it (${error##*: })"
        fi
    elif ! error=$(ls -A "$dir" 2>&1 >/dev/null); then
        problems="$problems; $user cannot list it (${error##*: })"
    fi
    access_problem=$problems
    if [ "$found_owner" != "$owner" ]; then
        problems="$problems; owner is $found_owner, not $owner"
        fixes="$fixes && sudo chown $owner $server_path"
    fi
    if [ "$found_mode" != "$mode" ]; then
        problems="$problems; mode is $found_mode, not $mode"
        fixes="$fixes && sudo chmod $mode $server_path"
    fi
    if [ -z "$problems" ]; then
        echo "preflight: $where: $found; usable by $user for $access"
        return 0
    fi

    fix=""
    [ -n "$fixes" ] && fix="run on the NFS server $server: ${fixes# && }"
    if [ "$access" = write ] && [ "$read_only" = yes ]; then
        fix="${fix:+$fix; }export $server_path read-write (rw, not ro, in /etc/exports on $server; then sudo exportfs -ra)"
    elif [ -n "$access_problem" ] && [ -z "$fixes" ]; then
        # README's exports squash every user to the owner, so the mapping is corrected, not dropped.
        fix="owner and mode are right, so the server maps the user to another: squash it to the owner, all_squash,anonuid=${owner%:*},anongid=${owner#*:} for $server_path in /etc/exports on $server (or no all_squash), then sudo exportfs -ra"
    fi
    fail "preflight: $where is not usable by $user for $access (found: $found): ${problems#; }. Fix: $fix."
}

check_secret() {
    [ $# -ge 3 ] || usage
    name=$1 dir=$2
    shift 2
    missing=""
    for key in "$@"; do
        [ -s "$dir/$key" ] || missing="$missing $key"
    done
    if [ -z "$missing" ]; then
        echo "preflight: Secret $name holds$(printf ' %s' "$@")"
        return 0
    fi
    # Without -A: a Secret volume holds ..data links even when the Secret is missing.
    if [ -z "$(ls "$dir" 2>/dev/null)" ]; then
        held="it does not exist in this namespace or is empty"
    else
        # One key per line from ls; keys are [-._a-zA-Z0-9] (the API server's rule), so joining is safe.
        held="it holds only $(ls "$dir" | paste -sd ' ' -)"
    fi
    fail "preflight: Secret $name lacks$missing ($held). The program reads$(printf ' %s' "$@") from it; create it with every key (README, TLS), e.g. kubectl create secret generic $name$(printf ' --from-file=%s' "$@")."
}

[ $# -ge 1 ] || usage
check=$1
shift
case $check in
    volume) check_volume "$@" ;;
    secret) check_secret "$@" ;;
    *) usage ;;
esac
