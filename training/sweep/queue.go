package sweep

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/runs"
)

// State is where one run of a sweep stands.
type State int

const (
	Pending   State = iota // waiting for the runs before it
	Preparing              // loading its data
	Training
	Finished  // ended; its record's Status says how (done, stopped, diverged, failed)
	Cancelled // cancelled before it started: it has no record
	Failed    // could not start (its data, its record); Err says why
)

func (s State) String() string {
	return [...]string{"pending", "preparing", "training", "finished", "cancelled", "failed"}[s]
}

// Job is one run of a sweep, as the queue reports it.
type Job struct {
	Point
	Name     string
	State    State
	Progress training.Progress
	// ID and Dir name the run's record in the store, once it has one.
	ID, Dir string
	// Status is the record's status once the run has ended.
	Status runs.Status
	// Test holds the test metrics of a run that ended with them.
	Test *training.Evaluation
	Err  error
}

// Options are what a queue needs besides its points.
type Options struct {
	// Store keeps every run; it must have a Dir.
	Store runs.Store
	// Prepare loads a run's data; nil is training.Prepare. A caller that
	// keeps loaded datasets between runs (as the window does) passes its
	// own.
	Prepare func(training.Config) (*training.Data, error)
	// Observe, when set, sees every event of every run, with the job's
	// index; on the queue's goroutine.
	Observe func(job int, ev training.Event)
	// Changed, when set, is called on the queue's goroutine after a job
	// changes state.
	Changed func()
}

// Queue trains a sweep's runs one after another on a goroutine of its
// own. Cancel a run or all of them; Wait for the end.
type Queue struct {
	id   string
	plan Plan
	opt  Options
	done chan struct{}

	mu        sync.Mutex // guards jobs, current and cancelled
	jobs      []Job
	current   context.CancelFunc // the running job's
	cancelled bool               // CancelAll was called
	stopAll   context.CancelFunc
}

// Start checks the plan, takes its points and starts training them. The
// sweep's ID, which each of its runs' records carries, is a new run ID.
func Start(ctx context.Context, plan Plan, opt Options) (*Queue, error) {
	points, err := plan.Points()
	if err != nil {
		return nil, err
	}
	if opt.Store.Dir == "" {
		return nil, errors.New("no folder for the run store (set WORKBENCH_HOME)")
	}
	if opt.Prepare == nil {
		opt.Prepare = training.Prepare
	}
	_, id, err := opt.Store.NewRun()
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(ctx)
	q := &Queue{id: id, plan: plan, opt: opt, done: make(chan struct{}), stopAll: stop}
	q.jobs = make([]Job, len(points))
	for i, p := range points {
		q.jobs[i] = Job{Point: p, Name: p.Name(plan.Axes)}
	}
	go q.loop(ctx)
	return q, nil
}

// ID is the sweep's ID.
func (q *Queue) ID() string { return q.id }

// Plan is the sweep's plan.
func (q *Queue) Plan() Plan { return q.plan }

// Jobs returns a copy of every job's state.
func (q *Queue) Jobs() []Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]Job(nil), q.jobs...)
}

// Cancel cancels job i: a pending job will not run; a running one stops
// at its next batch and is kept, as a stopped run, with its results so
// far. Finished jobs are left as they are.
func (q *Queue) Cancel(i int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if i < 0 || i >= len(q.jobs) {
		return
	}
	switch q.jobs[i].State {
	case Pending:
		q.jobs[i].State = Cancelled
	case Preparing, Training:
		if q.current != nil {
			q.current()
		}
	}
}

// CancelAll cancels every job that has not finished.
func (q *Queue) CancelAll() {
	q.mu.Lock()
	q.cancelled = true
	for i := range q.jobs {
		if q.jobs[i].State == Pending {
			q.jobs[i].State = Cancelled
		}
	}
	q.mu.Unlock()
	q.stopAll()
}

// Done is closed when every job has ended.
func (q *Queue) Done() <-chan struct{} { return q.done }

// Wait blocks until every job has ended.
func (q *Queue) Wait() { <-q.done }

func (q *Queue) update(i int, f func(*Job)) {
	q.mu.Lock()
	f(&q.jobs[i])
	q.mu.Unlock()
	if q.opt.Changed != nil {
		q.opt.Changed()
	}
}

func (q *Queue) loop(ctx context.Context) {
	defer close(q.done)
	defer q.stopAll()
	for i := range q.jobs {
		q.mu.Lock()
		if q.jobs[i].State == Cancelled || ctx.Err() != nil {
			q.jobs[i].State = Cancelled
			q.mu.Unlock()
			continue
		}
		jctx, cancel := context.WithCancel(ctx)
		q.current = cancel
		q.jobs[i].State = Preparing
		q.mu.Unlock()
		if q.opt.Changed != nil {
			q.opt.Changed()
		}
		q.run(jctx, i)
		q.mu.Lock()
		q.current = nil
		q.mu.Unlock()
		cancel()
		if q.opt.Changed != nil {
			q.opt.Changed()
		}
	}
}

// run trains job i into a new record of the store.
func (q *Queue) run(ctx context.Context, i int) {
	q.mu.Lock()
	job := q.jobs[i]
	q.mu.Unlock()
	failed := func(err error) {
		q.update(i, func(j *Job) { j.State, j.Err = Failed, err })
	}
	data, err := q.opt.Prepare(job.Config)
	if err != nil {
		failed(err)
		return
	}
	if ctx.Err() != nil {
		q.update(i, func(j *Job) { j.State = Cancelled })
		return
	}
	dir, id, err := q.opt.Store.NewRun()
	if err != nil {
		failed(err)
		return
	}
	record, err := runs.Create(dir, job.Config, data, job.Name, "")
	if err != nil {
		failed(fmt.Errorf("saving the run: %w", err))
		return
	}
	defer record.Close()
	settings := make([]string, len(q.plan.Axes))
	for k, a := range q.plan.Axes {
		settings[k] = a.Setting
	}
	if err := record.SetSweep(runs.SweepInfo{ID: q.id, Settings: settings, Values: job.Values}); err != nil {
		failed(fmt.Errorf("saving the run: %w", err))
		return
	}
	run, err := training.Start(ctx, job.Config, data, training.Checkpoints())
	if err != nil {
		failed(err)
		return
	}
	q.update(i, func(j *Job) { j.State, j.ID, j.Dir = Training, id, dir })
	last, writeErr := runs.Record(record, run, func(ev training.Event) {
		q.mu.Lock()
		switch e := ev.(type) {
		case *training.BatchEvent:
			q.jobs[i].Progress = e.Progress
		case *training.EpochEvent:
			q.jobs[i].Progress = e.Progress
		case *training.DoneEvent:
			q.jobs[i].Progress = e.Progress
		}
		q.mu.Unlock()
		if q.opt.Observe != nil {
			q.opt.Observe(i, ev)
		}
	})
	finishErr := record.Finish(last)
	q.update(i, func(j *Job) {
		j.State, j.Status = Finished, runs.StatusOf(last)
		switch e := last.(type) {
		case *training.DoneEvent:
			test := e.Test
			j.Test = &test
		case *training.ErrorEvent:
			j.Err = e.Err
		}
		if err := errors.Join(writeErr, finishErr); err != nil && j.Err == nil {
			j.Err = fmt.Errorf("saving the run: %w", err)
		}
	})
}
