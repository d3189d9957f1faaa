package ui

import (
	"sync"

	"github.com/neuralworkbench/workbench/training"
)

// modelHolder is the window's current model, the one that classifies and
// whose landscape is mapped: the last run's or one loaded from disk. The
// views it tells of a new model are given when it is made.
type modelHolder struct {
	// listeners are told of a new model and its description on the UI
	// goroutine.
	listeners []func(*training.Model, string)

	mu    sync.Mutex // guards model
	model *training.Model
}

func newModelHolder(listeners ...func(*training.Model, string)) *modelHolder {
	return &modelHolder{listeners: listeners}
}

// set makes m the current model; on the UI goroutine.
func (h *modelHolder) set(m *training.Model, description string) {
	h.mu.Lock()
	h.model = m
	h.mu.Unlock()
	for _, l := range h.listeners {
		l(m, description)
	}
}

// current returns the current model, or nil; safe from any goroutine.
func (h *modelHolder) current() *training.Model {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.model
}
