# billbridge: `make test` runs the Go tests; `make verify` is what CI runs.
GO        ?= go
SPECS     := tight chargeover meteroid
NODE_BIN  := specs/node_modules/.bin
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck

export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export SCARF_ANALYTICS=false

.PHONY: all generate check-generated test lint lint-go lint-specs npm-tools verify bench demo

all: verify

## generate: regenerate gen/ from specs/ (oapi-codegen, pinned in go.mod)
generate:
	$(GO) generate ./...

## check-generated: regenerate and fail if gen/ changed (stale generated code)
check-generated: generate
	@git diff --exit-code --stat -- gen/ || (echo "gen/ is stale: run 'make generate' and commit the result" >&2; exit 1)
	@test -z "$$(git status --porcelain -- gen/)" || (git status --porcelain -- gen/; echo "gen/ has untracked generated files" >&2; exit 1)

## test: the Go tests, with the race detector
test:
	$(GO) test -race -count=1 ./...

## lint: go vet, gofmt, staticcheck and the spec linters
lint: lint-go lint-specs

lint-go:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting" >&2; exit 1)
	$(STATICCHECK) ./...

npm-tools: specs/node_modules/.package-lock.json

specs/node_modules/.package-lock.json: specs/package.json specs/package-lock.json
	cd specs && npm ci --ignore-scripts --no-audit --no-fund

lint-specs: npm-tools
	@for s in $(SPECS); do \
	  echo "== redocly $$s"; $(NODE_BIN)/redocly lint --config specs/redocly.yaml specs/$$s.yaml || exit 1; \
	  echo "== spectral $$s"; $(NODE_BIN)/spectral lint --ruleset specs/.spectral.yaml --fail-severity error specs/$$s.yaml || exit 1; \
	done

## verify: what CI runs: generated code fresh, linters clean, tests pass
verify: check-generated lint test
