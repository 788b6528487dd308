# Developer commands. `make test` is the whole suite, as CI runs it.
SHELL := /bin/bash
GO ?= go
BUF := node_modules/.bin/buf
GENERATED := gen sdk/ts/src/gen

.PHONY: ts-check ts-test run test check generate check-generated lint breaking baseline vet deps services go-test build bench

## run: start the server on its embedded default (SQLite in ./data, no Redis)
run:
	$(GO) run ./server/cmd/pyairtable

## bench: the records benchmark at full size on PostgreSQL and SQLite (see bench/README.md)
bench: services
	$(GO) run ./bench -engine postgres -out bench/RESULTS-postgres.md
	$(GO) run ./bench -engine sqlite -out bench/RESULTS-sqlite.md

## build: build the server binary into bin/
build:
	$(GO) build -o bin/pyairtable ./server/cmd/pyairtable

## test: everything CI checks: contract, generated code, vet, and every test
test: deps services check go-test ts-test

## deps: install the pinned npm tools and the packages of the TypeScript SDK and the web example
deps:
	@[ -x $(BUF) ] || npm install --no-audit --no-fund
	@[ -d sdk/ts/node_modules ] || npm ci --no-audit --no-fund --prefix sdk/ts
	@[ -d examples/web/node_modules ] || npm ci --no-audit --no-fund --prefix examples/web

## services: make sure PostgreSQL and Redis answer (start them if stopped)
services:
	@bash scripts/services.sh

## check: generated code up to date, contract lint/format/breaking, go vet, gofmt
check: check-generated lint breaking vet ts-check

## generate: regenerate gen/ and sdk/ts/src/gen from proto/
generate:
	rm -rf $(GENERATED)
	$(BUF) generate

check-generated: generate
	@if [ -n "$$(git status --porcelain -- $(GENERATED))" ]; then \
		git status --porcelain -- $(GENERATED); \
		echo "generated code differs from proto/: run 'make generate' and commit the result" >&2; exit 1; fi

lint:
	$(BUF) lint
	$(BUF) format -d --exit-code

## breaking: the contract must stay compatible with the released baseline
breaking:
	$(BUF) breaking proto --against .ci/contract-baseline.binpb

## baseline: record the current contract as the released baseline
baseline:
	$(BUF) build proto -o .ci/contract-baseline.binpb

## ts-test: the TypeScript SDK's tests (vitest) and the web example driven in headless Chromium,
## against servers built from this tree that the tests start
ts-test: build
	PYAIRTABLE_BIN=$(CURDIR)/bin/pyairtable npm test --prefix sdk/ts
	PYAIRTABLE_BIN=$(CURDIR)/bin/pyairtable npm test --prefix examples/web

## ts-check: type-check the TypeScript SDK and its tests
ts-check:
	npm run --prefix sdk/ts typecheck

vet:
	$(GO) vet ./...
	@if [ -n "$$(gofmt -l server sdk/go examples 2>/dev/null)" ]; then gofmt -l server sdk/go examples; echo "run gofmt -w" >&2; exit 1; fi

## go-test: the Go tests (with the race detector) on SQLite and PostgreSQL, in-process cache and Redis
go-test:
	$(GO) test -race -count=1 -timeout 20m ./...
