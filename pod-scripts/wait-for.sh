#!/bin/sh
# Init container: waits until $DEPENDENCY answers on one of $ADDRESSES
# ("host:port host:port"), trying every $WAIT_INTERVAL_SECONDS (2) seconds, so the
# pod goes on within seconds of its dependency. After $WAIT_LIMIT_SECONDS (600)
# it exits 1 and the kubelet starts it again (with back-off): the wait is
# bounded and the pod's status shows which dependency is missing.
set -u

interval=${WAIT_INTERVAL_SECONDS:-2}
limit=${WAIT_LIMIT_SECONDS:-600}
waited=0
echo "waiting for $DEPENDENCY at $ADDRESSES"
while :; do
    for address in $ADDRESSES; do
        if nc -z -w 2 "${address%:*}" "${address##*:}" 2>/dev/null; then
            echo "$DEPENDENCY answers at $address (waited ${waited}s)"
            exit 0
        fi
    done
    if [ "$waited" -ge "$limit" ]; then
        echo "$DEPENDENCY does not answer at $ADDRESSES after ${waited}s; Kubernetes restarts this wait" >&2
        exit 1
    fi
    if [ "$waited" -gt 0 ] && [ $((waited % 30)) -eq 0 ]; then
        echo "still waiting for $DEPENDENCY at $ADDRESSES (${waited}s)"
    fi
    sleep "$interval"
    waited=$((waited + interval))
done
