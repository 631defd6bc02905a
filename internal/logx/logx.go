// Package logx is nanoQ's logging adapter: the seed's Printf hook and a
// *slog.Logger behind one small, nil-safe type, safe for concurrent use.
// Silence is the default: a nil *Logger logs nothing.
package logx

import (
	"context"
	"fmt"
	"log/slog"
)

// Logger routes nanoQ's log lines to a Printf-style hook, a *slog.Logger, or
// both. The zero value and the nil pointer are silent.
type Logger struct {
	printf func(format string, v ...any)
	slog   *slog.Logger
}

// New returns a Logger that writes to printf (info level and above, as the
// seed's hook) and to l (at whatever levels l enables); either may be nil.
// It returns nil (silent) when both are nil.
func New(printf func(format string, v ...any), l *slog.Logger) *Logger {
	if printf == nil && l == nil {
		return nil
	}
	return &Logger{printf: printf, slog: l}
}

// Enabled reports whether anything would be written at level.
func (l *Logger) Enabled(level slog.Level) bool {
	return l != nil && (l.printf != nil && level >= slog.LevelInfo ||
		l.slog != nil && l.slog.Enabled(context.Background(), level))
}

// Logf logs at level.
func (l *Logger) Logf(level slog.Level, format string, v ...any) {
	if !l.Enabled(level) {
		return
	}
	msg := fmt.Sprintf(format, v...)
	if l.printf != nil && level >= slog.LevelInfo {
		l.printf("nanoq: %s: %s", levelName(level), msg)
	}
	if l.slog != nil {
		l.slog.Log(context.Background(), level, msg)
	}
}

// Debugf logs at debug level.
func (l *Logger) Debugf(format string, v ...any) { l.Logf(slog.LevelDebug, format, v...) }

// Infof logs at info level.
func (l *Logger) Infof(format string, v ...any) { l.Logf(slog.LevelInfo, format, v...) }

// Warnf logs at warning level.
func (l *Logger) Warnf(format string, v ...any) { l.Logf(slog.LevelWarn, format, v...) }

// Errorf logs at error level.
func (l *Logger) Errorf(format string, v ...any) { l.Logf(slog.LevelError, format, v...) }

func levelName(level slog.Level) string {
	switch {
	case level >= slog.LevelError:
		return "error"
	case level >= slog.LevelWarn:
		return "warn"
	case level >= slog.LevelInfo:
		return "info"
	default:
		return "debug"
	}
}
