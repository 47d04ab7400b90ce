#!/bin/sh
# preStop hook: stops the server the product's way and waits until the JVM has
# exited, within the pod's termination grace period. `bin/<profile>.sh stop`
# sends TERM to the pid in <product home>/wso2/<profile>/runtime.pid and returns
# at once (product-sp v4.4.0, runtime/<profile>/carbon.sh), so the JVM's own
# shutdown (workers persist their Siddhi state) runs while this waits for it.
set -u

home=${WSO2_SERVER_HOME:?the image sets WSO2_SERVER_HOME}
profile=${WSO2_SERVER_PROFILE:?the Deployment sets WSO2_SERVER_PROFILE}
pid_file="$home/wso2/$profile/runtime.pid"

if [ ! -f "$pid_file" ]; then
    echo "stop: no $pid_file; the server is not running"
    exit 0
fi
pid=$(cat "$pid_file")
sh "$home/bin/$profile.sh" stop
# The images are Ubuntu (docker-sp v4.4.0.1 dockerfiles/ubuntu/base/Dockerfile: adoptopenjdk/openjdk8
# on Ubuntu 18.04), whose sleep takes fractions, so the hook ends soon after the JVM; a sleep that
# refuses them (another base image) falls back to whole seconds instead of spinning.
while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2 2>/dev/null || sleep 1
done
echo "stop: the server (pid $pid) has stopped"
