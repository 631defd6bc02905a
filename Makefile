.PHONY: test bench fuzz lint

test:
	go test -race -count=1 ./...

bench:
	go test -run='^$$' -bench=. -benchmem -count=5 ./codec ./ring ./sub ./pub

fuzz:
	@for f in $$(git grep -l '^func Fuzz' -- '*_test.go'); do \
	  for t in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | sed 's/^func //'); do \
	    go test -run='^$$' -fuzz="^$$t\$$" -fuzztime=30s ./$$(dirname $$f) || exit 1; \
	  done; done

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	go vet ./...
