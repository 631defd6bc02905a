// Command publisher is a nanoQ publisher for Kubernetes. NANOQ_URL names
// the subscribers: a headless Service's name (tcp://nanoq-sub-headless:7000)
// spreads the streams over the pods it resolves to by their keys; a
// ClusterIP Service (tcp://nanoq-sub:7000) leaves the spreading to
// kube-proxy. Either way a draining pod hands its streams over.
package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/nanoq/nq"
)

func main() {
	url := os.Getenv("NANOQ_URL")
	if url == "" {
		url = "tcp://nanoq-sub-headless:7000"
	}
	pub, err := nq.NewPublisher(url, nq.PubOpts{Printf: log.Printf, NoDelay: true, Metrics: nq.NewDefaultMetrics()})
	if err != nil {
		log.Fatal(err)
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, os.Interrupt)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-term:
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := pub.Shutdown(ctx); err != nil {
				log.Println(err)
			}
			return
		case <-tick.C:
			key := n % 100 // 100 streams
			if err := pub.Publish(context.Background(), []byte("reading "+strconv.Itoa(n)), key); err != nil {
				log.Println(err)
			}
		}
	}
}
