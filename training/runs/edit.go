package runs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
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

// edit changes a run's name or note. A finished (or killed) run's
// summary.json is rewritten whole (to a temporary name, then renamed),
// holding the folder's lock meanwhile so that no run starts writing there
// at the same time; a killed run's summary keeps saying "running", so that
// it still reads as interrupted. A running run's writer holds the lock and
// rewrites summary.json from its own copy after every epoch, so the change
// goes to edits.json beside it, written whole too, which ReadSummary reads
// over the summary at once and the writer folds in at its next rewrite.
func (s Store) edit(e Entry, change func(*Summary)) error {
	if filepath.Dir(e.Dir) != filepath.Clean(s.Dir) || e.ID == "" {
		return fmt.Errorf("%s is not a run of %s", e.Dir, s.Dir)
	}
	if e.Damaged != "" {
		return fmt.Errorf("run %s cannot be edited: %s", e.ID, e.Damaged)
	}
	l, err := lockFolder(e.Dir)
	if err != nil {
		if !locked(e.Dir) {
			return fmt.Errorf("run %s: %w", e.ID, err)
		}
		sum, err := ReadSummary(e.Dir)
		if err != nil {
			return fmt.Errorf("run %s: %w", e.ID, err)
		}
		change(&sum)
		js, err := json.Marshal(edits{Name: &sum.Name, Note: &sum.Note})
		if err != nil {
			return err
		}
		return training.WriteFileAtomic(filepath.Join(e.Dir, EditsFile), js)
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
	if ed, ok := readEdits(e.Dir); ok { // left by a run killed before its end
		ed.apply(&sum)
	}
	change(&sum)
	js, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	if err := training.WriteFileAtomic(path, append(js, '\n')); err != nil {
		return err
	}
	return removeEdits(e.Dir)
}

// edits are a name and note given while a run was writing its record.
type edits struct {
	Name *string `json:"name,omitempty"`
	Note *string `json:"note,omitempty"`
}

// maxEdits bounds edits.json: a name and a note at their longest, in
// UTF-8 and JSON-escaped, fit.
const maxEdits = 1 << 16

// readEdits reads a folder's edits.json; false when there is none or it
// is not one (an edit lost is better than a record that cannot be read).
func readEdits(dir string) (edits, bool) {
	var ed edits
	b, err := regular.ReadFile(filepath.Join(dir, EditsFile), maxEdits)
	if err != nil || json.Unmarshal(b, &ed) != nil {
		return edits{}, false
	}
	return ed, true
}

// apply puts the edits into a summary, those that are valid.
func (ed edits) apply(s *Summary) {
	if ed.Name != nil && CheckName(*ed.Name) == nil {
		s.Name = *ed.Name
	}
	if ed.Note != nil && CheckNote(*ed.Note) == nil {
		s.Note = *ed.Note
	}
}

// removeEdits removes a folder's edits.json, if any.
func removeEdits(dir string) error {
	err := os.Remove(filepath.Join(dir, EditsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
