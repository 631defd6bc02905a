package codec

import (
	"encoding/hex"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// docs/wire.md's examples are what PutHeader writes and Parse reads.
func TestWireDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/wire.md")
	if err != nil {
		t.Fatal(err)
	}
	ex := regexp.MustCompile(`(?m)^\s+len (\d+)\s+->\s+((?:[0-9A-F]{2} ?)+)`)
	found := ex.FindAllStringSubmatch(string(doc), -1)
	if len(found) < 3 {
		t.Fatalf("%d examples in docs/wire.md, want 3 or more", len(found))
	}
	for _, m := range found {
		n, _ := strconv.Atoi(m[1])
		want, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(m[2]), " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		var hdr [MaxHeaderLen]byte
		if got := hdr[:PutHeader(hdr[:], n)]; string(got) != string(want) {
			t.Errorf("len %d: header % X, docs/wire.md says % X", n, got, want)
		}
	}
}
