// Command workbench is Neural Workbench: with no arguments it opens the
// window; with a subcommand (train, predict) it runs headless.
package main

import (
	"os"

	"github.com/neuralworkbench/workbench/app/cli"
	// Before Fyne's init reads the locale: C.UTF-8 must not make it log.
	_ "github.com/neuralworkbench/workbench/app/locale"
)

func main() {
	if cli.IsCommand(os.Args[1:]) {
		os.Exit(cli.Main(cli.StdEnv(), os.Args[1:]))
	}
	runGUI()
}
