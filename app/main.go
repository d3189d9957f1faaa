// Command workbench is Neural Workbench: with no arguments it opens the
// window; with a subcommand (train, predict) it runs headless.
package main

import (
	"os"

	"github.com/neuralworkbench/workbench/app/cli"
)

func main() {
	if cli.IsCommand(os.Args[1:]) {
		os.Exit(cli.Main(cli.StdEnv(), os.Args[1:]))
	}
	runGUI()
}
