package pub

import (
	"sync"

	"github.com/nanoq/nq/reactor"
	"github.com/nanoq/nq/ring"
)

// The process-wide reactor shared by Publishers created with EventLoops 0,
// so that many Publishers do not multiply event loops. It starts with the
// first such Publisher and stops with the last.
var shared struct {
	mu     sync.Mutex
	r      *reactor.Reactor
	budget *ring.Budget // SharedBufferTotal, raised by its users' MaxBufferTotal
	users  int
}

// acquireShared returns the shared reactor and its memory budget, raised
// to total if below.
func acquireShared(total int) (*reactor.Reactor, *ring.Budget, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.r == nil {
		r, err := reactor.Start(reactor.Config{})
		if err != nil {
			return nil, nil, err
		}
		shared.r = r
		shared.budget = ring.NewBudget(SharedBufferTotal, nil, nil)
	}
	shared.budget.RaiseLimit(int64(total))
	shared.users++
	return shared.r, shared.budget, nil
}

func releaseShared() error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.users--; shared.users > 0 {
		return nil
	}
	r := shared.r
	shared.r, shared.budget = nil, nil
	return r.Close()
}
