#!/usr/bin/env bash
# Checks deploy/: the Prometheus alert rules' syntax (promtool check rules)
# and behaviour (promtool test rules: the unit tests in alerts_test.yml),
# and the Grafana dashboard's queries (valid PromQL, only series the
# service exposes: the deploy tests of server/telemetry, which need
# promtool for the PromQL part).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null; then
  # Debian's prometheus package ships promtool (without systemd, installing
  # it starts no server).
  apt-get update -q && apt-get install -y -q --no-install-recommends prometheus
fi
promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts_test.yml
go test -count=1 -run 'TestDeploy|TestDashboard|TestOperations' ./server/telemetry/
