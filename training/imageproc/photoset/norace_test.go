//go:build !race

package photoset_test

// raceDetector reports whether the tests run with -race.
const raceDetector = false
