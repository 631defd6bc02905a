package pub

import (
	"context"
	"errors"
)

// Multi publishes every message to several destinations, each through its
// own Publisher. A destination that is down or slow never delays the others:
// Publish does not block on any of them.
type Multi struct {
	pubs []*Publisher
}

// NewMulti returns a Multi for urls, with the same options for each.
func NewMulti(urls []string, opts Options) (*Multi, error) {
	m := &Multi{}
	for _, u := range urls {
		p, err := New(u, opts)
		if err != nil {
			m.Close()
			return nil, err
		}
		m.pubs = append(m.pubs, p)
	}
	return m, nil
}

// Publish sends payload to every destination on streamKey's stream there.
// It returns the errors of the destinations that refused it, joined.
func (m *Multi) Publish(ctx context.Context, payload []byte, streamKey any) error {
	var err error
	for _, p := range m.pubs {
		if e := p.Publish(ctx, payload, streamKey); e != nil {
			err = errors.Join(err, e)
		}
	}
	return err
}

// Close closes every destination's Publisher.
func (m *Multi) Close() error { return m.each((*Publisher).Close) }

// Shutdown shuts every destination's Publisher down within ctx.
func (m *Multi) Shutdown(ctx context.Context) error {
	return m.each(func(p *Publisher) error { return p.Shutdown(ctx) })
}

// each calls f on every destination's Publisher and joins the errors.
func (m *Multi) each(f func(*Publisher) error) error {
	var err error
	for _, p := range m.pubs {
		err = errors.Join(err, f(p))
	}
	return err
}
