package runs

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/regular"
)

// Limits on what a person types about a run.
const (
	MaxName = 200   // characters
	MaxNote = 10000 // characters
)

// SetName renames a run: its summary.json is rewritten with the new
// name (see edit). Spaces around the name are dropped; CheckName says
// which names are refused.
func (s Store) SetName(e Entry, name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	return s.edit(e, func(sum *Summary) { sum.Name = name })
}

// SetNote replaces a run's note (an empty one removes it): its
// summary.json is rewritten with the new note (see edit). Spaces around
// the note are dropped; CheckNote says which notes are refused.
func (s Store) SetNote(e Entry, note string) error {
	if err := CheckNote(note); err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	return s.edit(e, func(sum *Summary) { sum.Note = note })
}

// CheckName says what is wrong with a run's name, or nil: a name is one
// line of at most MaxName characters, not blank.
func CheckName(name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return fmt.Errorf("a run's name cannot be blank")
	}
	return checkText("name", name, MaxName, false)
}

// CheckNote says what is wrong with a run's note, or nil: a note is at
// most MaxNote characters, on as many lines as it likes.
func CheckNote(note string) error {
	return checkText("note", strings.TrimSpace(note), MaxNote, true)
}

// checkText refuses text that is not UTF-8, longer than limit characters
// or holds control characters (but for line breaks and tabs in a
// multi-line text).
func checkText(what, text string, limit int, multiline bool) error {
	if !utf8.ValidString(text) {
		return fmt.Errorf("the %s is not valid UTF-8 text", what)
	}
	if n := utf8.RuneCountInString(text); n > limit {
		return fmt.Errorf("the %s is %d characters long; at most %d are kept", what, n, limit)
	}
	for _, r := range text {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			if r == '\n' || r == '\r' {
				return fmt.Errorf("the %s must be one line", what)
			}
			return fmt.Errorf("the %s holds a control character (%U)", what, r)
		}
	}
	return nil
}

// edit rewrites a run's summary.json with change applied, whole (to a
// temporary name, then renamed), holding the folder's lock meanwhile so
// that no run starts writing there at the same time. A running run is
// refused: its writer rewrites summary.json from its own copy after every
// epoch, which would undo the change. A run killed while running (listed
// as interrupted) can be edited; its summary keeps saying "running", so
// that it still reads as interrupted. Where folders are not locked (see
// lock_other.go) a running run cannot be told apart and an edit of one
// lasts until its next epoch.
func (s Store) edit(e Entry, change func(*Summary)) error {
	if filepath.Dir(e.Dir) != filepath.Clean(s.Dir) || e.ID == "" {
		return fmt.Errorf("%s is not a run of %s", e.Dir, s.Dir)
	}
	if e.Damaged != "" {
		return fmt.Errorf("run %s cannot be edited: %s", e.ID, e.Damaged)
	}
	l, err := lockFolder(e.Dir)
	if err != nil {
		if locked(e.Dir) {
			return fmt.Errorf("run %s is still running: it rewrites its summary after every epoch, which would undo the change; edit it once it has ended", e.ID)
		}
		return fmt.Errorf("run %s: %w", e.ID, err)
	}
	defer l.release()
	// Read as written, not through ReadSummary, which may report a
	// killed run's "running" as "interrupted": the status is written back
	// as it was.
	path := filepath.Join(e.Dir, SummaryFile)
	b, err := regular.ReadFile(path, 16<<20)
	if err != nil {
		return fmt.Errorf("run %s: %w", e.ID, err)
	}
	var sum Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		return fmt.Errorf("run %s: %s: %w", e.ID, SummaryFile, err)
	}
	change(&sum)
	js, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	return training.WriteFileAtomic(path, append(js, '\n'))
}
