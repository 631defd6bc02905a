package pub

import (
	"sync"

	"github.com/nanoq/nq/reactor"
)

// The process-wide reactor shared by Publishers created with EventLoops 0,
// so that many Publishers do not multiply event loops. It starts with the
// first such Publisher and stops with the last.
var shared struct {
	mu    sync.Mutex
	r     *reactor.Reactor
	users int
}

func acquireShared() (*reactor.Reactor, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.r == nil {
		r, err := reactor.Start(reactor.Config{})
		if err != nil {
			return nil, err
		}
		shared.r = r
	}
	shared.users++
	return shared.r, nil
}

func releaseShared() error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.users--
	if shared.users > 0 {
		return nil
	}
	r := shared.r
	shared.r = nil
	return r.Close()
}
