package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/nanoq/nq/bench/harness"
)

// rawLine is one line of a -raw file: one process's result in one row.
type rawLine struct {
	Row       string         `json:"row"`
	Transport string         `json:"transport"` // the column name; older files: the result's transport
	Result    harness.Result `json:"result"`
}

// loadRaw reads a -raw file back into rows, transports and outcomes, in
// table and column order, for -from (charts and the table without
// running anything).
func loadRaw(path string) ([]row, []transport, [][]outcome, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	type key struct{ row, transport string }
	got := map[key]*outcome{}
	rowSeen, trSeen := map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var l rawLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, nil, nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if l.Transport == "" {
			l.Transport = l.Result.Transport
		}
		k := key{l.Row, l.Transport}
		o := got[k]
		if o == nil {
			o = &outcome{}
			got[k] = o
		}
		res := l.Result
		switch res.Role {
		case harness.RolePub:
			o.pub = &res
		case harness.RoleSub:
			o.sub = &res
		default:
			o.pub, o.sub = &res, &res
		}
		rowSeen[l.Row], trSeen[l.Transport] = true, true
	}
	if err := sc.Err(); err != nil {
		return nil, nil, nil, err
	}
	var rows []row
	for _, r := range allRows {
		if rowSeen[r.id] {
			rows = append(rows, r)
		}
	}
	var ts []transport
	for _, name := range transportOrder {
		if trSeen[name] {
			ts = append(ts, transport{name: name})
		}
	}
	if len(rows) == 0 || len(ts) == 0 {
		return nil, nil, nil, fmt.Errorf("%s: no results of known rows (%s) and transports (%s)", path, rowIDs(), strings.Join(transportOrder, ","))
	}
	results := make([][]outcome, len(rows))
	for ri, r := range rows {
		results[ri] = make([]outcome, len(ts))
		for ti, t := range ts {
			if o := got[key{r.id, t.name}]; o != nil {
				results[ri][ti] = *o
			} else if why := r.skips(t.name); why != "" {
				results[ri][ti].skipped = why
			} else {
				results[ri][ti].skipped = "not in " + path
			}
		}
	}
	return rows, ts, results, nil
}
