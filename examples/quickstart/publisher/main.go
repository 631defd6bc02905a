// Command publisher is the original nanoQ README's publisher quick start,
// unchanged but for the import path.
package main

import (
	"context"
	"log"
	"time"

	"github.com/nanoq/nq"
)

func main() {
	opts := nq.PubOpts{
		KeepaliveTimeout: 5 * time.Second,
		ConnectTimeout:   3 * time.Second,
		WriteTimeout:     3 * time.Second,
		FlushFrequency:   100 * time.Millisecond,
		NoDelay:          true,
		Printf:           log.Printf,
	}
	pub := nq.NewPub("tcp4://localhost:1234", opts, nq.NewDefaultMetrics())
	for {
		// Publish the message using 100 connections
		for i := 1; i <= 100; i++ {
			if err := pub.Publish(context.TODO(), []byte("Hello nanoQ"), i); err != nil {
				log.Println("Error while publishing:", err)
			}
		}
	}
}
