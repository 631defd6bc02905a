// Command subscriber is a nanoQ subscriber for Kubernetes: it listens on
// :7000, serves Prometheus metrics on :9100, and on SIGTERM (a rolling
// update, a scale-down) drains: publishers hand their streams over to the
// other replicas, and the messages they had sent are still delivered.
// DRAIN_TIMEOUT must stay below the pod's terminationGracePeriodSeconds.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nanoq/nq"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	drainTimeout := 20 * time.Second
	if d, err := time.ParseDuration(os.Getenv("DRAIN_TIMEOUT")); err == nil {
		drainTimeout = d
	}
	opts := nq.SubOpts{
		Printf: log.Printf,
		// Re-spread streams over the replicas after a scale-up.
		MaxConnectionAge: 5 * time.Minute,
		// Set when a load balancer sends PROXY protocol headers (an NLB
		// with proxy protocol v2, HAProxy's send-proxy-v2).
		ProxyProtocol: os.Getenv("PROXY_PROTOCOL") == "1",
		Handler: func(payload []byte, stream nq.StreamDescriptor) {
			// Handle the message here; payload is valid during the call.
		},
		Metrics: nq.NewDefaultMetrics(),
	}
	sub, err := nq.NewSubscriber("tcp://:7000", opts)
	if err != nil {
		log.Fatal(err)
	}
	if err := sub.Bind(); err != nil {
		log.Fatal(err)
	}
	go func() {
		http.Handle("/metrics", promhttp.Handler())
		log.Println(http.ListenAndServe(":9100", nil))
	}()
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, os.Interrupt)
	<-term
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := sub.Drain(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Fatal(err)
	}
}
