//go:build !(cgo && (linux || freebsd))

package openblas

func load() Info {
	return Info{Name: "gonum", Reason: "built without cgo"}
}
