package reactor

import (
	"log/slog"

	"github.com/nanoq/nq/internal/logx"
)

// gnetLogger implements gnet's pkg/logging.Logger on top of a logx.Logger.
// It is always passed to gnet, so gnet never falls back to its default zap
// logger, which prints to stdout. Safe for concurrent use; a nil l is silent.
type gnetLogger struct{ l *logx.Logger }

func (g gnetLogger) logf(level slog.Level, format string, args []any) {
	if g.l.Enabled(level) { // no "gnet: "+format when silent
		g.l.Logf(level, "gnet: "+format, args...)
	}
}

// Debugf logs at debug level.
func (g gnetLogger) Debugf(format string, args ...any) { g.logf(slog.LevelDebug, format, args) }

// Infof logs at info level.
func (g gnetLogger) Infof(format string, args ...any) { g.logf(slog.LevelInfo, format, args) }

// Warnf logs at warning level.
func (g gnetLogger) Warnf(format string, args ...any) { g.logf(slog.LevelWarn, format, args) }

// Errorf logs at error level.
func (g gnetLogger) Errorf(format string, args ...any) { g.logf(slog.LevelError, format, args) }

// Fatalf logs at error level. It never exits the process: a library must
// not, and gnet only uses it for conditions it reports as errors anyway.
func (g gnetLogger) Fatalf(format string, args ...any) {
	g.logf(slog.LevelError, "fatal: "+format, args)
}
