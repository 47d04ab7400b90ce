#!/bin/sh
# Starts one SP server in place of the image's init.sh (docker-sp v4.4.0.1,
# dockerfiles/ubuntu/<profile>/init.sh). That script runs `cp -RL dir/*` under
# `set -e`, so an empty or unreadable wso2-artifact-volume stops the container,
# and it knows only one such tree.
#
# Usage: start.sh DIR...
#   Copies the content of each DIR over the product home, in the order given
#   (confs/ first, then the additional volumes in settings order: a later DIR
#   wins), following symbolic links and skipping dot files as init.sh does,
#   then starts the server of $WSO2_SERVER_PROFILE.
# WSO2_SERVER_HOME comes from the image, WSO2_SERVER_PROFILE from the Deployment.
set -eu

home=${WSO2_SERVER_HOME:?the image sets WSO2_SERVER_HOME}
profile=${WSO2_SERVER_PROFILE:?the Deployment sets WSO2_SERVER_PROFILE}
if [ ! -d "$home" ]; then
    echo "start: the product home $home does not exist" >&2
    exit 1
fi

for dir in "$@"; do
    if [ ! -d "$dir" ]; then
        echo "start: $dir does not exist; nothing to copy from it"
        continue
    fi
    if [ ! -r "$dir" ] || [ ! -x "$dir" ]; then
        echo "start: cannot read $dir as uid $(id -u) gid $(id -g); on the NFS server give the export to 802:802 with mode 700" >&2
        exit 1
    fi
    copied=0
    for entry in "$dir"/*; do
        if [ ! -e "$entry" ]; then
            # The unexpanded pattern of an empty directory, or a link to nothing.
            [ -L "$entry" ] && echo "start: $entry is a symbolic link to nothing; skipped" >&2
            continue
        fi
        if ! cp -RL "$entry" "$home"/; then
            echo "start: could not copy $entry over $home (see the error above)" >&2
            exit 1
        fi
        copied=$((copied + 1))
    done
    if [ "$copied" -eq 0 ]; then
        echo "start: $dir is empty; nothing to copy"
    else
        echo "start: copied $copied entries of $dir over $home"
    fi
done

# Own TLS material (tls.secretName): runtime/<profile>/carbon.sh (product-sp v4.4.0)
# fixes the JVM-wide trust store after $JAVA_OPTS, as client-truststore.jks with
# the password wso2carbon, and the inter-node calls, the database driver and the
# apps' HTTPS clients verify peers through it. The bundled file holds about 96
# anchors, among them the wso2carbon certificate whose private key ships with
# every SP download, so it is replaced by a fresh store holding only the stack's
# trust store and each CA bundle under $TRUSTED_CAS (docs/trust.md). The
# password guards only the file's integrity: a trust store holds no secret.
if [ -n "${OWN_TRUSTSTORE:-}" ]; then
    truststore="$home/resources/security/client-truststore.jks"
    fresh="$truststore.fresh"
    rm -f "$fresh"
    if ! keytool -importkeystore -noprompt -srckeystore "$OWN_TRUSTSTORE" -srcstorepass:env KEYSTORE_PASSWORD -destkeystore "$fresh" -deststoretype JKS -deststorepass:env TRUSTSTORE_PASSWORD; then
        echo "start: could not read $OWN_TRUSTSTORE: is keystorePassword the password of the stores in tls.secretName?" >&2
        exit 1
    fi
    for bundle in "${TRUSTED_CAS:-/nonexistent}"/*; do
        [ -f "$bundle" ] || continue
        # keytool -importcert takes one certificate from its input: a bundle is fed to it one by one.
        count=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$bundle" || true)
        if [ "$count" -eq 0 ]; then
            echo "start: the CA bundle $bundle holds no PEM certificate" >&2
            exit 1
        fi
        n=1
        while [ "$n" -le "$count" ]; do
            if ! awk -v want="$n" '/-----BEGIN CERTIFICATE-----/ { seen++ } seen == want { print } seen == want && /-----END CERTIFICATE-----/ { exit }' "$bundle" |
                keytool -importcert -noprompt -alias "$(basename "$bundle")-$n" -keystore "$fresh" -storetype JKS -storepass:env TRUSTSTORE_PASSWORD; then
                echo "start: could not add certificate $n of the CA bundle $bundle to the trust store" >&2
                exit 1
            fi
            n=$((n + 1))
        done
        echo "start: trusted the $count certificates of $bundle"
    done
    mv -f "$fresh" "$truststore"
    echo "start: $truststore now holds only the stack's trust store and its CA bundles"
fi

# The profile script runs the JVM as a child of further shells, which never pass
# SIGTERM on: the container's preStop hook (stop.sh) stops the server instead.
exec sh "$home/bin/$profile.sh"
