# connevents — every CI step is a target; `make check` is what CI runs.
BUF := go tool -modfile=tools/go.mod buf
GO_TEST := go test -race -count=1 ./...

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

.PHONY: run
run: ## run the service on the embedded SQLite default
	go run ./cmd/connevents serve

.PHONY: generate
generate: ## regenerate gen/ from proto/ (offline, pinned plugins)
	rm -rf gen/connevents gen/openapi/*.json
	$(BUF) format -w
	$(BUF) generate

.PHONY: lint
lint: ## buf lint, buf format check, gofmt, go vet
	$(BUF) lint
	$(BUF) format --diff --exit-code
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	go vet ./...

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

.PHONY: build
build: ## build every package and the binary without cgo
	CGO_ENABLED=0 go build ./...
	CGO_ENABLED=0 go build -o bin/connevents ./cmd/connevents

.PHONY: test
test: ## run every test with the race detector (needs PostgreSQL at 127.0.0.1:5432)
	$(GO_TEST)

.PHONY: check
check: lint breaking drift build test ## everything CI runs
