// Command nqbench measures nanoQ: throughput, latency, loss, CPU and memory
// of a Publisher and a Subscriber on loopback, in one process (-role both,
// the default) or split over two (-role sub, then -role pub -url <READY
// address>). Its flags and its JSON result are those of every benchmark
// binary of the suite (see package bench and bench/harness); nanoQ's own
// flags are -flush, -pub-loops, -sub-loops, -delivery, -maxbuffer,
// -queuebytes, -overrun, -nodirect, -outage and -libdefaults.
//
//	go run ./bench/cmd/nqbench                               # 10 s, 1 stream, 100 B
//	go run ./bench/cmd/nqbench -streams 100 -size 64-1024 -json
//	go run ./bench/cmd/nqbench -streams 5000 -idle 10s       # idle CPU and RSS per stream
//	go run ./bench/cmd/nqbench -streams 1000 -overrun -libdefaults -outage 10s -duration 13s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/bench/internal/rig"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "nqbench: %v\n", err)
		os.Exit(1)
	}
}

// run parses args, runs the benchmark and prints its result on stdout;
// progress lines and diagnostics go to stderr.
func run(args []string, stdout, stderr io.Writer) error {
	var o rig.Options
	fs := flag.NewFlagSet("nqbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o.RegisterFlags(fs)
	fs.DurationVar(&o.Flush, "flush", 0, "publisher FlushFrequency: 0 writes as soon as the loop is free")
	fs.IntVar(&o.PubLoops, "pub-loops", 0, "publisher event loops (0: the shared reactor)")
	fs.IntVar(&o.SubLoops, "sub-loops", 0, "subscriber event loops (0: the library default, GOMAXPROCS - 1, 1 to 4)")
	fs.StringVar(&o.Delivery, "delivery", rig.DeliveryHandler, "handler|receive: subscriber delivery")
	fs.IntVar(&o.BufferTotal, "buffertotal", 0, "publisher MaxBufferTotal: all streams' buffers together, bytes; 0: the library's default (64 MiB)")
	fs.IntVar(&o.MaxBuffer, "maxbuffer", 0, "publisher buffer bound per stream, bytes (oldest dropped beyond); 0: 64 MiB shared out over the streams, 64 KiB to 4 MiB each")
	fs.BoolVar(&o.NoDirect, "nodirect", false, "publisher NoDirectWrite: every frame goes through the event loop (default: a Publish on an idle stream writes it directly)")
	fs.BoolVar(&o.Overrun, "overrun", false, "with -rate 0: publish flat out even when a stream's buffer is over 7/8 full, letting drop-oldest discard (default: wait for it, as a producer that wants no loss would)")
	fs.DurationVar(&o.Outage, "outage", 0, "close the subscriber 1 s into the run and bring it back after this long; reports the peak RSS meanwhile")
	fs.BoolVar(&o.DrainOnSignal, "drain-on-signal", false, "role sub: serve until SIGTERM or SIGINT, then Drain (a rolling restart's process)")
	fs.BoolVar(&o.ReusePort, "reuseport", false, "subscriber SO_REUSEPORT: a successor may bind the same address meanwhile")
	fs.BoolVar(&o.LibDefaults, "libdefaults", false, "leave the publisher's MaxPayload and MaxBuffer to the library defaults")
	fs.IntVar(&o.Receivers, "receivers", 1, "goroutines calling Receive (-delivery receive)")
	fs.IntVar(&o.QueueBytes, "queuebytes", rig.DefaultQueueBytes, "subscriber receive queue bound, bytes (-delivery receive)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if err := harness.RaiseNoFileLimit(); err != nil {
		fmt.Fprintf(stderr, "nqbench: %v (continuing)\n", err)
	}
	o.Progress = stderr
	fmt.Fprintln(stderr, o.Describe())
	stopProf, err := harness.StartProfiling(&o.Config)
	if err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	res, err := rig.Run(ctx, &o)
	stopProf()
	if err != nil {
		return err
	}
	return res.Write(stdout, o.JSON)
}
