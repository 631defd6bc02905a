package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/bench/internal/rig"
	"github.com/nanoq/nq/internal/nettest"
)

func TestSmokeBoth(t *testing.T) {
	tests := []struct {
		name   string
		adjust func(o *rig.Options)
	}{
		{name: "tcp handler as fast as possible", adjust: func(*rig.Options) {}},
		{name: "unix receive paced", adjust: func(o *rig.Options) {
			o.Transport, o.Delivery, o.Rate, o.SizeMin, o.SizeMax = harness.TransportUnix, rig.DeliveryReceive, 5000, 8, 512
		}},
		{name: "own loops and flush", adjust: func(o *rig.Options) {
			o.PubLoops, o.SubLoops, o.Flush, o.Rate = 1, 1, 5*time.Millisecond, 5000
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := smokeOptions(harness.RoleBoth)
			tt.adjust(o)
			res, err := rig.Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, true)
			if o.Rate > 0 && res.Published > int64(o.Rate*o.Duration.Seconds()*1.2)+2 {
				t.Errorf("published %d at rate %v for %v", res.Published, o.Rate, o.Duration)
			}
			var buf bytes.Buffer
			if err := res.Write(&buf, true); err != nil {
				t.Fatal(err)
			}
			var back harness.Result
			if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Received != res.Received {
				t.Fatalf("JSON %s: %v", buf.String(), err)
			}
		})
	}
}

func TestSmokeSplitUnix(t *testing.T) {
	so := smokeOptions(harness.RoleSub)
	so.URL = "unix://" + nettest.UnixPath(t)
	urls := make(chan string, 1)
	so.Ready = func(u string) { urls <- u }
	type outcome struct {
		res *harness.Result
		err error
	}
	subDone := make(chan outcome, 1)
	go func() {
		res, err := rig.Run(context.Background(), so)
		subDone <- outcome{res, err}
	}()
	var url string
	select {
	case url = <-urls:
	case o := <-subDone:
		t.Fatalf("subscriber ended before READY: %v", o.err)
	}
	po := smokeOptions(harness.RolePub)
	po.URL, po.Rate = url, 5000 // paced: nothing may be dropped
	pres, err := rig.Run(context.Background(), po)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, pres, false)
	sres := <-subDone
	if sres.err != nil {
		t.Fatal(sres.err)
	}
	checkResult(t, sres.res, true)
	if pres.Published == 0 || sres.res.Received != pres.Published {
		t.Fatalf("published %d, received %d (pub lost %v, sub lost %v)",
			pres.Published, sres.res.Received, pres.LostCounted, sres.res.LostCounted)
	}
}

func TestSmokeIdle(t *testing.T) {
	o := smokeOptions(harness.RoleBoth)
	o.Streams, o.Idle = 20, 200*time.Millisecond
	res, err := rig.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Published != 20 || res.Received != 20 {
		t.Fatalf("idle: published %d received %d, want 20 each", res.Published, res.Received)
	}
	if res.IdleCPUCores < 0 || res.IdleCPUCores > 2 || res.IdleS != 0.2 {
		t.Fatalf("idle: %v cores over %v s", res.IdleCPUCores, res.IdleS)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	o := smokeOptions(harness.RoleBoth)
	o.Delivery = "carrier-pigeon"
	if _, err := rig.Run(context.Background(), o); err == nil {
		t.Fatal("bad -delivery accepted")
	}
}
