#!/usr/bin/env bash
# The system tools the tests run for real, installed where missing (Debian/Ubuntu; `sudo` when not
# root): keytool, for tests/trust.test.ts, which builds Java trust stores as start.sh does in the
# pods; mariadbd, for tests/mysqlStart.test.ts, which runs the MySQL admin step against a real server
# and fails under CI when there is none. Used by .ci/run and the GitHub workflows alike.
set -euo pipefail
packages=()
command -v keytool >/dev/null || packages+=(default-jre-headless)
command -v mariadbd >/dev/null || packages+=(mariadb-server)
if [ "${#packages[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
