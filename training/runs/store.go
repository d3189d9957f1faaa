package runs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/regular"
)

// DefaultDir is where runs are kept: $WORKBENCH_HOME/runs when that is
// set; otherwise in the user's data directory, $XDG_DATA_HOME (or
// ~/.local/share) /neural-workbench/runs on Linux and the BSDs,
// ~/Library/Application Support/neural-workbench/runs on macOS and
// %LocalAppData%\neural-workbench\runs on Windows.
func DefaultDir() (string, error) {
	if home := os.Getenv("WORKBENCH_HOME"); home != "" {
		return filepath.Join(home, "runs"), nil
	}
	var base string
	switch runtime.GOOS {
	case "windows":
		base = os.Getenv("LocalAppData")
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		base = filepath.Join(home, "Library", "Application Support")
	default:
		base = os.Getenv("XDG_DATA_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", err
			}
			base = filepath.Join(home, ".local", "share")
		}
	}
	if base == "" {
		return "", errors.New("no data directory: set WORKBENCH_HOME")
	}
	return filepath.Join(base, "neural-workbench", "runs"), nil
}

// Store is a folder of run records, one folder each, named by the run's
// ID: its start time and six random hex digits, 20261202-035600-3fa2c1.
type Store struct{ Dir string }

// NewRun returns the folder for a new run (not created yet) and its ID.
func (s Store) NewRun() (dir, id string, err error) {
	var suffix [3]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return "", "", err
	}
	id = time.Now().Format("20060102-150405") + "-" + hex.EncodeToString(suffix[:])
	return filepath.Join(s.Dir, id), id, nil
}

// Entry is one run of a store as listed: its record, or why its folder
// is not a readable one (Damaged).
type Entry struct {
	ID      string
	Dir     string
	Summary Summary
	Config  training.Config
	Damaged string // "" for a readable record
}

// List returns the store's runs, newest first (by ID). A folder that is
// not a readable record is listed with the reason in Damaged; it never
// stops the others from being listed. A store that does not exist yet is
// empty.
func (s Store) List() ([]Entry, error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			dirs = append(dirs, filepath.Join(s.Dir, e.Name()))
		}
	}
	// Read on every core: a thousand runs are two thousand small files.
	out := make([]Entry, len(dirs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.NumCPU(), len(dirs)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(dirs); i = int(next.Add(1) - 1) {
				out[i] = read(dirs[i])
			}
		})
	}
	wg.Wait()
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(b.ID, a.ID) })
	return out, nil
}

// read reads one run's folder.
func read(dir string) Entry {
	e := Entry{ID: filepath.Base(dir), Dir: dir, Config: training.DefaultConfig()}
	sum, err := ReadSummary(dir)
	if err != nil {
		e.Damaged = damage(err)
		return e
	}
	e.Summary = sum
	b, err := regular.ReadFile(filepath.Join(dir, training.ConfigFile), training.MaxConfigFile)
	if err == nil {
		_, err = training.DecodeConfig(b, &e.Config)
	}
	if err != nil {
		e.Damaged = damage(err)
	}
	return e
}

// damage says why a folder is not a readable record, without its path.
func damage(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(err, fs.ErrNotExist) {
			return "no " + filepath.Base(pe.Path) + ": not a run's folder, or one whose run did not start"
		}
		return filepath.Base(pe.Path) + ": " + pe.Err.Error()
	}
	return err.Error()
}

// Find returns the run whose ID is id or starts with it, as git finds a
// commit by a prefix of its hash: an unknown or ambiguous prefix is an
// error saying so.
func (s Store) Find(id string) (Entry, error) {
	all, err := s.List()
	if err != nil {
		return Entry{}, err
	}
	var found []Entry
	for _, e := range all {
		if e.ID == id {
			return e, nil
		}
		if id != "" && strings.HasPrefix(e.ID, id) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return Entry{}, fmt.Errorf("no run %q in %s (workbench runs list shows them)", id, s.Dir)
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, e := range found {
		ids[i] = e.ID
	}
	return Entry{}, fmt.Errorf("%q is ambiguous: it starts %d runs' IDs (%s); give more of it", id, len(found), strings.Join(cut(ids, 4), ", "))
}

func cut(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	return append(slices.Clone(items[:n-1]), fmt.Sprintf("… and %d more", len(items)-n+1))
}

// Delete removes a run's folder. A run still writing to it is not
// deleted.
func (s Store) Delete(e Entry) error {
	if filepath.Dir(e.Dir) != filepath.Clean(s.Dir) || e.ID == "" {
		return fmt.Errorf("%s is not a run of %s", e.Dir, s.Dir)
	}
	if locked(e.Dir) {
		return fmt.Errorf("run %s is still running", e.ID)
	}
	return os.RemoveAll(e.Dir)
}
