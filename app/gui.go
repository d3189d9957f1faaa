package main

import (
	"os"

	"github.com/neuralworkbench/workbench/app/cli"
)

// runGUI opens the workbench window.
func runGUI() {
	os.Exit(cli.Main(cli.StdEnv(), nil))
}
