//go:build !race

package pub

const raceEnabled = false
