package main

import "testing"

func TestRun(t *testing.T) {
	if err := run(200, 0); err != nil {
		t.Fatal(err)
	}
}
