package ui

import (
	"os"
	"testing"
)

// TestMain keeps the tests' runs in a store of their own, not the user's.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "workbench-ui-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("WORKBENCH_HOME", home)
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}
