package ui

import (
	"os"
	"testing"
)

// TestMain keeps the tests' runs in a store of their own, not the user's,
// and turns the form's timed estimate off: every test's form would time
// its network otherwise (TestSizeProbe turns it on for its window).
func TestMain(m *testing.M) {
	measureEpoch = nil
	home, err := os.MkdirTemp("", "workbench-ui-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("WORKBENCH_HOME", home)
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}
