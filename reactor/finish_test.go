package reactor

import "testing"

// TestShadow: the shadow follows what gnet holds, the tail of what Writev
// was given, as gnet drains it.
func TestShadow(t *testing.T) {
	c := &lingerState{}
	check := func(want string) {
		t.Helper()
		if got := string(c.shadow[c.shadowOff:]); got != want {
			t.Fatalf("shadow %q, want %q", got, want)
		}
	}
	// The socket took "abcd" of "abc"‖"defgh"; gnet holds "efgh".
	c.keepShadow([][]byte{[]byte("abc"), []byte("defgh")}, 0, 4)
	check("efgh")
	if !c.trimShadow(4) {
		t.Fatal("trimShadow(4): not covered")
	}
	// gnet wrote "ef" in the background, then was given "ijk" to append.
	c.keepShadow([][]byte{[]byte("ijk")}, 2, 5)
	check("ghijk")
	if !c.trimShadow(1) {
		t.Fatal("trimShadow(1): not covered")
	}
	check("k")
	if !c.trimShadow(0) || len(c.shadow) != 0 || c.shadowOff != 0 {
		t.Fatalf("drained: shadow %q off %d", c.shadow, c.shadowOff)
	}
	// gnet holding more than the shadow has: not covered.
	c.keepShadow([][]byte{[]byte("xy")}, 0, 2)
	if c.trimShadow(3) {
		t.Fatal("trimShadow(3) with 2 bytes kept: covered")
	}
	// More held than given: the shadow can no longer be trusted.
	c.keepShadow([][]byte{[]byte("z")}, 0, 2)
	if !c.shadowBad || c.trimShadow(2) {
		t.Fatal("a shadow gnet outgrew is still trusted")
	}
}
