# billbridge: `make test` runs the Go tests; `make verify` is what CI runs.
GO        ?= go
SPECS     := tight chargeover meteroid
NODE_BIN  := specs/node_modules/.bin
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck

export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export SCARF_ANALYTICS=false

.PHONY: all generate check-generated test lint lint-go lint-specs npm-tools verify bench demo \
	spec-gate parity bundle check-bundle typescript lint-typescript lint-prism typescript-e2e \
	typescript-webhooks docs

all: verify

## generate: regenerate gen/ from specs/ (oapi-codegen, pinned in go.mod)
generate:
	$(GO) generate ./...

## docs: rewrite what is derived from the specs, the facades and the CLI's
## registry: README's tables (spec operations, facade calls, CLI verbs) and
## specs/cliverbs.json. `make test` fails while they are stale.
docs:
	BILLBRIDGE_UPDATE_DOCS=1 $(GO) test -count=1 -run 'TestReadme|TestRegistryMatches' ./internal/golden ./cmd/billbridge

## check-generated: regenerate and fail if gen/ changed (stale generated code)
check-generated: generate
	@git diff --exit-code --stat -- gen/ || (echo "gen/ is stale: run 'make generate' and commit the result" >&2; exit 1)
	@test -z "$$(git status --porcelain -- gen/)" || (git status --porcelain -- gen/; echo "gen/ has untracked generated files" >&2; exit 1)

## test: the Go tests, with the race detector
test:
	$(GO) test -race -count=1 ./...

## lint: go vet, gofmt, staticcheck, the spec linters, the spec gate
## (breaking changes, versions, CHANGELOG), fresh bundles, the TypeScript proof,
## the drift corpus through Prism and the TypeScript client against the fakes
lint: lint-go lint-specs spec-gate parity check-bundle lint-typescript lint-prism typescript-e2e typescript-webhooks

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

## spec-gate: fail on breaking changes (oasdiff) without a major info.version
## bump or without an entry in specs/breaking-changes.yaml, on a changed spec
## without an info.version bump, and on a spec version without a
## specs/CHANGELOG.md entry. Base: the last v* tag, else the
## merge base with main, on main the parent of the spec's last change; force
## one with SPECGATE_BASE=<ref>. See README.md, "Using the specs from another language".
spec-gate:
	$(GO) run ./internal/specgate/cmd/specgate -dir specs $(SPECS)

## parity: compare specs/meteroid.yaml with Meteroid's own OpenAPI, read from
## ../shared/vendor-specs when that file exists (never copied into the project):
## query parameters, request-body and 2xx-response property names of every
## operation we carry; differences not named in specs/parity-meteroid.yaml fail
PARITY_FILE ?= ../shared/vendor-specs/meteroid-openapi.json
parity:
	@if [ -f "$(PARITY_FILE)" ]; then \
	  $(GO) run ./internal/specparity/cmd/specparity -ours specs/meteroid.yaml -theirs "$(PARITY_FILE)" -allow specs/parity-meteroid.yaml; \
	else echo "parity: $(PARITY_FILE) not found, skipped"; fi

## bundle: self-contained JSON and YAML copies of each spec in specs/bundle/ (committed)
BUNDLE_DIR ?= specs/bundle
bundle: npm-tools
	@mkdir -p $(BUNDLE_DIR)
	@for s in $(SPECS); do for ext in json yaml; do \
	  $(NODE_BIN)/redocly bundle --config specs/redocly.yaml specs/$$s.yaml -o $(BUNDLE_DIR)/$$s.$$ext >/dev/null 2>&1 \
	    || { $(NODE_BIN)/redocly bundle --config specs/redocly.yaml specs/$$s.yaml -o $(BUNDLE_DIR)/$$s.$$ext; exit 1; }; \
	  echo "bundled $(BUNDLE_DIR)/$$s.$$ext"; \
	done; done

## check-bundle: rebuild the bundles in a scratch directory and fail if specs/bundle/ differs
check-bundle: npm-tools
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(MAKE) --no-print-directory bundle BUNDLE_DIR=$$tmp >/dev/null && \
	diff -r "$$tmp" specs/bundle >/dev/null || { echo "specs/bundle/ is stale: run 'make bundle' and commit the result" >&2; diff -r "$$tmp" specs/bundle | head -20 >&2; exit 1; }
	@echo "specs/bundle/ is fresh"

## typescript: generate specs/typescript/generated/*.d.ts with openapi-typescript (committed)
TS_DIR ?= specs/typescript/generated
typescript: npm-tools
	@mkdir -p $(TS_DIR)
	@for s in $(SPECS); do \
	  $(NODE_BIN)/openapi-typescript specs/$$s.yaml --empty-objects-unknown -o $(TS_DIR)/$$s.d.ts >/dev/null \
	    || { echo "openapi-typescript failed on specs/$$s.yaml" >&2; exit 1; }; \
	  echo "generated $(TS_DIR)/$$s.d.ts"; \
	done

## lint-typescript: the generated types are fresh, have no Record<string, never>
## (a schema openapi-typescript could not translate), and the usage files in
## specs/typescript/ type-check with tsc --noEmit --strict
lint-typescript: npm-tools
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(MAKE) --no-print-directory typescript TS_DIR=$$tmp >/dev/null && \
	diff -r "$$tmp" specs/typescript/generated >/dev/null || { echo "specs/typescript/generated/ is stale: run 'make typescript' and commit the result" >&2; diff -r "$$tmp" specs/typescript/generated | head -20 >&2; exit 1; }
	@if grep -n 'Record<string, never>' specs/typescript/generated/*.d.ts | grep -v -E ':export type (webhooks|\$$defs) = '; then \
	  echo "generated types above contain Record<string, never>: a schema did not translate" >&2; exit 1; fi
	$(NODE_BIN)/tsc -p specs/typescript/tsconfig.json --noEmit --strict
	@echo "TypeScript proof: ok"

## lint-prism: Prism (pinned in specs/package.json) as a validating proxy in
## front of the fakes: a scenario per fake and every answer of the drift corpus
## (specs/testdata/drift/) must pass, a broken twin of each must be refused
## (specs/prism_test.go; skipped by plain `go test` without BILLBRIDGE_PRISM)
lint-prism: npm-tools
	BILLBRIDGE_PRISM=$(CURDIR)/$(NODE_BIN)/prism timeout 200 $(GO) test -count=1 -timeout 180s -run '^TestDriftPrism$$' ./specs/

## typescript-e2e: specs/typescript/e2e/client.mts, openapi-fetch over the
## generated types, against `billbridge fake tight` and `billbridge fake
## chargeover` (token, customers, an invoice; create and read a customer)
typescript-e2e: npm-tools
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp" specs/typescript/e2e/.out' EXIT && \
	$(GO) build -o "$$tmp/billbridge" ./cmd/billbridge && \
	$(NODE_BIN)/tsc -p specs/typescript/e2e/tsconfig.json && \
	timeout 90 node specs/typescript/e2e/.out/e2e/client.mjs "$$tmp/billbridge"

## typescript-webhooks: specs/typescript/e2e/webhooks.mts verifies the Meteroid
## delivery of specs/testdata/webhooks/ (signed by the Go receiver's library) with the
## standardwebhooks npm package and the same secret (specs/webhooks_test.go checks the Go side)
typescript-webhooks: npm-tools
	@trap 'rm -rf specs/typescript/e2e/.out-webhooks' EXIT && \
	$(NODE_BIN)/tsc -p specs/typescript/e2e/tsconfig.webhooks.json && \
	node specs/typescript/e2e/.out-webhooks/e2e/webhooks.mjs specs/testdata/webhooks/meteroid-delivery.json

## bench: the benchmarks (see BENCHMARKS.md)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./internal/benchmarks/

## demo: push sample data to embedded fakes with faults switched on
demo:
	$(GO) run ./cmd/billbridge demo

## verify: what CI runs: generated code fresh, linters clean, tests pass
verify: check-generated lint test
