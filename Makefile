# Knead — the two commands: `make run` and `make test`.
# Meson + Ninja do the building; this file only wires the steps together.

BUILD      ?= build
BUILD_SAN  ?= build-san
DB         ?= var/knead.db
LISTEN     ?= 127.0.0.1:8080

.PHONY: all run test build build-san deps deps-test e2e-deps bench clean

all: build

deps:
	@sh scripts/deps.sh

deps-test:
	@sh scripts/deps.sh --test

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

$(BUILD_SAN)/build.ninja:
	meson setup $(BUILD_SAN) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

build-san: deps-test $(BUILD_SAN)/build.ninja
	ninja -C $(BUILD_SAN)

run: build
	@test -f $(DB) || ./$(BUILD)/knead demo --lived-in --db $(DB)
	@echo "Demo sign-in at http://$(LISTEN)/login: admin@chugachbodywork.example / demo-admin-pass (README lists all)."
	@echo "First real admin: ./$(BUILD)/knead user add --db $(DB) --role admin --email YOU@EXAMPLE --name 'Your Name'"
	@echo "E-mail goes to SMTP 127.0.0.1:2525 and waits in the outbox until something listens there."
	@echo "To watch it, in another terminal: aiosmtpd -n -l 127.0.0.1:2525   (Debian: python3-aiosmtpd; or /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:2525)"
	@echo "Queued mail: ./$(BUILD)/knead outbox list --db $(DB)"
	./$(BUILD)/knead serve --db $(DB) --listen $(LISTEN)

e2e-deps: deps-test
	@cd tests/e2e && { [ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ] || npm ci --no-audit --no-fund --silent; }

# The release build too: gcc -O2 raises warnings (format-truncation) the sanitizer build
# does not, and `make run` uses it.
test: build build-san e2e-deps
	@sh tests/run-all.sh $(BUILD_SAN)

bench: build
	@sh bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
