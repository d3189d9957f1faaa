// Package locale makes the process's locale one that Fyne can parse,
// before Fyne reads it. Import it for its side effect from the main
// package of any binary that links Fyne:
//
//	import _ "github.com/neuralworkbench/workbench/app/locale"
//
// Fyne's lang package reads the locale in its init function, through
// github.com/jeandeaual/go-locale: the first of LC_ALL, LC_MESSAGES and
// LANG that is set, or LANGUAGE instead when that is set and the locale
// is not exactly C or POSIX. For C.UTF-8, the default in many containers
// and minimal systems, it then tries to parse "C" as a language and logs
// "Error parsing user locale C" to stderr, in the command line as well as
// in the window. This package's init sets LANGUAGE=en in that case, so
// Fyne reads English, which is also what it falls back to. LANGUAGE
// only chooses the language of messages; LANG and LC_* stay as they are,
// so C libraries keep their UTF-8 character handling.
//
// Go initialises packages in dependency order, taking the first ready
// package by import path: this package imports only os and strings, and
// Fyne's lang package needs golang.org/x/text/language, which sorts after
// this module's path, so this init always runs before Fyne's. The app's
// tests check it by running the binary.
package locale

import (
	"os"
	"strings"
)

func init() { fix(os.Getenv, os.Setenv) }

// fix sets LANGUAGE to English when the locale in effect is a variant of
// C or POSIX that go-locale cannot parse, such as C.UTF-8, and LANGUAGE
// is not set.
func fix(getenv func(string) string, setenv func(key, value string) error) {
	var loc string
	for _, key := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(key); loc != "" {
			break
		}
	}
	if loc == "C" || loc == "POSIX" || getenv("LANGUAGE") != "" {
		return // go-locale reads these as "no locale": no error
	}
	base, _, _ := strings.Cut(loc, ".")
	base, _, _ = strings.Cut(base, "@")
	if base == "C" || base == "POSIX" {
		setenv("LANGUAGE", "en")
	}
}
