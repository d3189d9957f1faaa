// Package regular opens the files the program reads, refusing anything
// but a regular file: a named pipe blocks its reader until something
// writes to it, and a device such as /dev/zero never ends. Every input
// named by a user (images, IDX sets, models, configs) is opened here.
package regular

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by the errors for paths that are not regular
// files.
var ErrNotRegular = errors.New("not a regular file")

// Open opens the file at path for reading if it is a regular file (a
// symbolic link to one is followed). What it is otherwise is named in the
// error: "x.png is a directory, not a regular file".
func Open(path string) (*os.File, error) {
	// Stat first: opening a named pipe would block until a writer comes.
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := Check(path, st); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// And again on what was opened, should the path have been replaced.
	if st, err = f.Stat(); err == nil {
		err = Check(path, st)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Check returns nil if st, the information of the file at path, is that
// of a regular file, else an error naming what it is.
func Check(path string, st fs.FileInfo) error {
	if st.Mode().IsRegular() {
		return nil
	}
	what := "a special file"
	switch m := st.Mode(); {
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		what = "a device"
	}
	return fmt.Errorf("%s is %s, %w", path, what, ErrNotRegular)
}

// ReadFile reads the regular file at path, of at most limit bytes; a
// larger one is refused without reading past the limit.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than the %s allowed", path, size(limit))
	}
	return b, nil
}

// size writes a byte count as a person would: 1 MB, 64 KB, 512 bytes.
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
