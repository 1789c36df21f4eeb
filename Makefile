# connevents — every CI step is a target; `make check` is what CI runs.
BUF := go tool -modfile=tools/go.mod buf
GOVULNCHECK := go tool -modfile=$(CURDIR)/tools/go.mod govulncheck
GO_TEST := go test -race -count=1 ./...
# The modules: the service (.), the load tool (bench/, its own go.mod so that
# NATS and test helpers stay out of the service), the pinned tools (tools/).
CODE_MODULES := . bench
# `connevents --version`: the git description of the build, "dev" without git.
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# Flags for `make bench`, e.g. BENCH_FLAGS=--quick.
BENCH_FLAGS ?=

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'

.PHONY: run
run: ## run the service on the embedded SQLite default
	go run ./cmd/connevents serve

.PHONY: generate
generate: ## regenerate gen/ from proto/ (offline, pinned plugins)
	rm -rf gen/connevents gen/openapi/*.json
	$(BUF) format -w
	$(BUF) generate

.PHONY: lint
lint: ## buf lint, buf format check, gofmt, go vet, go mod tidy -diff (every module)
	$(BUF) lint
	$(BUF) format --diff --exit-code
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	@set -e; for m in $(CODE_MODULES); do echo "go vet ($$m)"; (cd $$m && go vet ./...); done
	@set -e; for m in $(CODE_MODULES) tools; do echo "go mod tidy -diff ($$m)"; (cd $$m && go mod tidy -diff) || { echo "$$m/go.mod is not tidy: run go mod tidy there"; exit 1; }; done

# govulncheck needs its database (vuln.go.dev). Where it cannot be fetched
# (an offline machine) the check says so and is skipped; any other failure,
# and every vulnerability found, fails. VULN_FLAGS=-db=URL uses a mirror.
.PHONY: vuln
vuln: ## govulncheck every module (skipped, loudly, only if the vulnerability database is unreachable)
	@for m in $(CODE_MODULES); do \
		echo "govulncheck ($$m)"; \
		out=$$(cd $$m && $(GOVULNCHECK) $(VULN_FLAGS) ./... 2>&1); rc=$$?; \
		echo "$$out"; \
		if [ $$rc -ne 0 ] && echo "$$out" | grep -q '^govulncheck: fetching vulnerabilities'; then \
			echo "govulncheck skipped: vulnerability database unreachable"; exit 0; \
		fi; \
		[ $$rc -eq 0 ] || exit $$rc; \
	done

.PHONY: breaking
breaking: ## buf breaking (WIRE_JSON) against main, or on main against the previous commit
	@if [ "$$(git rev-parse --abbrev-ref HEAD)" != main ] && git rev-parse --verify -q main >/dev/null; then \
		$(BUF) breaking --against '.git#branch=main'; \
	elif git rev-parse --verify -q HEAD~1 >/dev/null; then \
		$(BUF) breaking --against '.git#ref=HEAD~1'; \
	fi

.PHONY: drift
drift: generate ## fail if regenerating changes gen/
	@git diff --exit-code -- gen proto || { echo "gen/ or proto/ drifted: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- gen proto)" || { git status --porcelain -- gen proto; echo "untracked generated files"; exit 1; }

.PHONY: binary
binary: ## build bin/connevents: static, without cgo; the Dockerfile runs exactly this
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/connevents ./cmd/connevents

.PHONY: build
build: binary ## build every package and both binaries (bin/connevents, bin/connevents-bench) without cgo
	CGO_ENABLED=0 go build ./...
	cd bench && CGO_ENABLED=0 go build -o ../bin/connevents-bench ./cmd/connevents-bench

.PHONY: test
test: ## run every test of every module with the race detector (needs PostgreSQL at 127.0.0.1:5432), the soak without it, then the browser tests
	@set -e; for m in $(CODE_MODULES); do echo "go test ($$m)"; (cd $$m && $(GO_TEST)); done
	$(MAKE) soak
	$(MAKE) browser-test

.PHONY: soak
soak: ## the durability soak without the race detector, so that its RSS bound applies (CONNEVENTS_SOAK sets its length)
	go test -count=1 -run '^TestSoak$$' ./test/durability/

CHROMIUM ?= /usr/bin/chromium

.PHONY: browser-test
browser-test: ## the web console's Playwright suite in Chromium against the real binary (needs npm and chromium)
	@if [ ! -x "$(CHROMIUM)" ] && [ -z "$$CI" ]; then \
		echo "browser-test: SKIPPED, no $(CHROMIUM) (apt-get install chromium)"; exit 0; fi; \
	cd test/browser && npm ci --no-audit --no-fund --loglevel=error && \
		CHROMIUM="$(CHROMIUM)" node --test --test-concurrency=1 console.test.mjs journeys.test.mjs demo.test.mjs

.PHONY: bench
bench: build ## run the load tool against bin/connevents (BENCH_FLAGS=--quick for a 2-minute run)
	bin/connevents-bench --connevents bin/connevents $(BENCH_FLAGS)

.PHONY: deploy-check
deploy-check: ## promtool check and test of the alert rules, and the dashboard's queries (deploy/check.sh)
	bash deploy/check.sh

.PHONY: check
check: lint breaking drift build deploy-check vuln test ## everything CI runs
