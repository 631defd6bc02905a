package reactor

import (
	"log/slog"

	"github.com/nanoq/nq/internal/logx"
)

// gnetLogger implements gnet's pkg/logging.Logger on top of a logx.Logger.
// It is always passed to gnet, so gnet never falls back to its default zap
// logger, which prints to stdout. Safe for concurrent use; a nil l is silent.
type gnetLogger struct{ l *logx.Logger }

// Debugf logs at debug level.
func (g gnetLogger) Debugf(format string, args ...any) {
	if g.l.Enabled(slog.LevelDebug) {
		g.l.Debugf("gnet: "+format, args...)
	}
}

// Infof logs at info level.
func (g gnetLogger) Infof(format string, args ...any) {
	if g.l.Enabled(slog.LevelInfo) {
		g.l.Infof("gnet: "+format, args...)
	}
}

// Warnf logs at warning level.
func (g gnetLogger) Warnf(format string, args ...any) {
	if g.l.Enabled(slog.LevelWarn) {
		g.l.Warnf("gnet: "+format, args...)
	}
}

// Errorf logs at error level.
func (g gnetLogger) Errorf(format string, args ...any) {
	if g.l.Enabled(slog.LevelError) {
		g.l.Errorf("gnet: "+format, args...)
	}
}

// Fatalf logs at error level. It never exits the process: a library must
// not, and gnet only uses it for conditions it reports as errors anyway.
func (g gnetLogger) Fatalf(format string, args ...any) {
	if g.l.Enabled(slog.LevelError) {
		g.l.Errorf("gnet: fatal: "+format, args...)
	}
}
