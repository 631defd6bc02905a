package main

import (
	"testing"

	"github.com/nanoq/nq/internal/nettest"
)

func TestMain(m *testing.M) { nettest.VerifyTestMain(m) }
