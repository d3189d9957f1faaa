//go:build unix

package training

import "syscall"

// umask is the process's file mode creation mask, read once at start (it
// can only be read by setting it, so it is set back at once).
var umask = func() uint32 {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return uint32(m)
}()
