//go:build !unix

package training

// umask: there is none to honour elsewhere.
const umask = 0
