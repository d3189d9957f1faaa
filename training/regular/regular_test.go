//go:build unix

package regular

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestOpenRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "model.safetensors")
	if err := os.WriteFile(file, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	folder := filepath.Join(dir, "x.png")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{file, link} {
		b, err := ReadFile(path, 5)
		if err != nil || string(b) != "12345" {
			t.Errorf("ReadFile(%s) = %q, %v; want its 5 bytes", path, b, err)
		}
	}
	tests := []struct{ path, want string }{
		// The named pipe has no writer: opening it would block forever.
		{fifo, fifo + " is a named pipe, not a regular file"},
		{folder, folder + " is a directory, not a regular file"},
		{"/dev/zero", "/dev/zero is a device, not a regular file"},
	}
	for _, tt := range tests {
		f, err := Open(tt.path)
		if err == nil {
			f.Close()
		}
		if err == nil || err.Error() != tt.want || !errors.Is(err, ErrNotRegular) {
			t.Errorf("Open(%s) = %v, want %q", tt.path, err, tt.want)
		}
	}
	if _, err := ReadFile(file, 4); err == nil || !strings.Contains(err.Error(), "is larger than the 4 bytes allowed") {
		t.Errorf("ReadFile of 5 bytes with a limit of 4 = %v, want it refused", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "gone"), 4); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile(gone) = %v, want not exist", err)
	}
}
