package metrics

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README's metrics table lists every family with its type and labels.
func TestREADMETable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(nanoq_[a-z_]+)` \\| (counter|gauge|histogram) \\| ([a-z, ]+) \\|")
	listed := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		listed[m[1]] = m[2] + " " + m[3]
	}
	m, reg := newTest(t)
	m.Pub("10.0.0.1:1234").Target("127.0.0.2:1234").Inc()
	m.Peers("10.0.0.2").Open("10.0.0.9")
	m.Sub("10.0.0.2")
	got := gather(t, reg)
	for name, mf := range got {
		var labels []string
		if ms := mf.GetMetric(); len(ms) > 0 {
			for _, lp := range ms[0].GetLabel() {
				labels = append(labels, lp.GetName())
			}
		}
		want := strings.ToLower(mf.GetType().String()) + " " + strings.Join(labels, ", ")
		if listed[name] != want {
			t.Errorf("README lists %s as %q, want %q", name, listed[name], want)
		}
		delete(listed, name)
	}
	for name := range listed {
		t.Errorf("README lists %s, which does not exist", name)
	}
}
