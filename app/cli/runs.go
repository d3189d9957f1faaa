package cli

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/neuralworkbench/workbench/training/runs"
)

// defaultStore is the run store: runs.DefaultDir.
func defaultStore() (runs.Store, error) {
	dir, err := runs.DefaultDir()
	return runs.Store{Dir: dir}, err
}

// runRuns is `workbench runs list|show|delete`.
func runRuns(env Env, args []string) int {
	const usage = "list [--json] [--sweep ID] | show ID [--json] | compare ID... [--baseline ID] [--csv|--markdown] | delete ID... [--yes]"
	if len(args) == 0 {
		return fail(env, "runs", ExitUsage, "give a subcommand: %s", usage)
	}
	sub := args[0]
	fs := newFlagSet(env, "runs "+sub, "")
	asJSON := fs.Bool("json", false, "print JSON")
	sweepID := fs.String("sweep", "", "list: only the runs of this sweep")
	yes := fs.Bool("yes", false, "delete without asking")
	baseline := fs.String("baseline", "", "compare: the run the others are compared with (default: the first given)")
	asCSV := fs.Bool("csv", false, "compare: print CSV")
	asMarkdown := fs.Bool("markdown", false, "compare: print a Markdown table")
	rest, status, ok := parse(env, fs, args[1:])
	if !ok {
		return status
	}
	store, err := defaultStore()
	if err != nil {
		return fail(env, "runs", ExitFailure, "the run store: %v", err)
	}
	switch sub {
	case "list":
		if len(rest) > 0 {
			return fail(env, "runs list", ExitUsage, "unexpected argument %q (list takes only --json)", rest[0])
		}
		list, err := store.List()
		if err != nil {
			return fail(env, "runs list", ExitFailure, "%v", err)
		}
		if *sweepID != "" {
			list = slices.DeleteFunc(list, func(e runs.Entry) bool {
				return e.Summary.Sweep == nil || !strings.HasPrefix(e.Summary.Sweep.ID, *sweepID)
			})
		}
		if *asJSON {
			for _, e := range list {
				line(env, entryJSON(e))
			}
			return ExitOK
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tEPOCHS\tTEST ACC\tDATASET\tLOSS\tOPTIMIZER\tLR")
		for _, e := range list {
			if e.Damaged != "" {
				fmt.Fprintf(tw, "%s\t\tdamaged: %s\t\t\t\t\t\t\n", e.ID, escaped(e.Damaged))
				continue
			}
			acc := "—"
			if a := e.Summary.TestAcc; a != nil {
				acc = fmt.Sprintf("%.2f%%", 100**a)
			}
			c := e.Config
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%g\n", e.ID, escaped(e.Summary.Name), e.Summary.Status,
				e.Summary.Epochs, acc, escaped(c.Dataset), c.Loss, c.Optimizer, c.LR)
		}
		tw.Flush()
		return ExitOK
	case "show":
		if len(rest) != 1 {
			return fail(env, "runs show", ExitUsage, "give one run ID (or the start of one)")
		}
		e, err := store.Find(rest[0])
		if err != nil {
			return fail(env, "runs show", ExitUsage, "%v", err)
		}
		if *asJSON {
			line(env, entryJSON(e))
			return ExitOK
		}
		w := env.Stdout
		fmt.Fprintf(w, "run       %s\nfolder    %s\n", e.ID, escaped(e.Dir))
		if e.Damaged != "" {
			fmt.Fprintf(w, "damaged   %s\n", escaped(e.Damaged))
			return ExitOK
		}
		s := e.Summary
		fmt.Fprintf(w, "name      %s\nstatus    %s after %d epochs\nstarted   %s\nnetwork   %s, %d parameters\n",
			escaped(s.Name), s.Status, s.Epochs, s.Started, s.Architecture, s.Parameters)
		c := e.Config
		fmt.Fprintf(w, "settings  %s, classes %s, %s loss, %s lr %g, batch %d, %d epochs, augment %s, seed %d\n",
			escaped(c.Dataset), escaped(strings.Join(s.Classes, ",")), c.Loss, c.Optimizer, c.LR, c.Batch, c.Epochs, c.Augment, c.Seed)
		if s.TestAcc != nil && s.TestLoss != nil {
			fmt.Fprintf(w, "test      accuracy %.2f%%, loss %.4f\n", 100**s.TestAcc, *s.TestLoss)
		}
		if s.EarlyStopped {
			fmt.Fprintf(w, "stopped   early, by %s\n", c.EarlyStop)
		}
		if s.BestEpoch > 0 {
			fmt.Fprintf(w, "weights   best epoch %d (best.safetensors), last epoch %d (model.safetensors); the test metrics are the %s's\n",
				s.BestEpoch, s.Epochs, map[string]string{"best": "best epoch", "last": "last epoch", "": "last epoch"}[s.Kept])
		}
		for _, ch := range c.Changes {
			fmt.Fprintf(w, "change    %s\n", ch)
		}
		if s.Note != "" {
			fmt.Fprintf(w, "note      %s\n", escaped(s.Note))
		}
		if sw := s.Sweep; sw != nil {
			fmt.Fprintf(w, "sweep     %s, over %s (workbench runs list --sweep %s)\n",
				escaped(sw.ID), escaped(strings.Join(sw.Settings, ", ")), escaped(sw.ID))
		}
		if s.Warning != "" {
			fmt.Fprintf(w, "warning   %s\n", escaped(s.Warning))
		}
		if s.Error != "" {
			fmt.Fprintf(w, "error     %s\n", escaped(s.Error))
		}
		return ExitOK
	case "compare":
		if len(rest) == 0 || (len(rest) < 2 && *baseline == "") {
			return fail(env, "runs compare", ExitUsage, "give at least two run IDs (the --baseline counts)")
		}
		if *asCSV && *asMarkdown {
			return fail(env, "runs compare", ExitUsage, "--csv and --markdown exclude each other")
		}
		var entries []runs.Entry
		base := 0
		for _, id := range rest {
			e, err := store.Find(id)
			if err != nil {
				return fail(env, "runs compare", ExitUsage, "%v", err)
			}
			entries = append(entries, e)
		}
		if *baseline != "" {
			b, err := store.Find(*baseline)
			if err != nil {
				return fail(env, "runs compare", ExitUsage, "--baseline: %v", err)
			}
			base = -1
			for i, e := range entries {
				if e.ID == b.ID {
					base = i
				}
			}
			if base < 0 {
				entries, base = append([]runs.Entry{b}, entries...), 0
			}
		}
		table, err := runs.Compare(entries, base)
		if err != nil {
			return fail(env, "runs compare", ExitUsage, "%v", err)
		}
		switch {
		case *asCSV:
			err = table.WriteCSV(env.Stdout)
		case *asMarkdown:
			err = table.WriteMarkdown(env.Stdout)
		default:
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, strings.Join(table.Header, "\t"))
			for _, r := range table.Rows {
				for i := range r {
					r[i] = escaped(r[i])
				}
				fmt.Fprintln(tw, strings.Join(r, "\t"))
			}
			err = tw.Flush()
		}
		if err != nil {
			return fail(env, "runs compare", ExitFailure, "%v", err)
		}
		return ExitOK
	case "delete":
		if len(rest) == 0 {
			return fail(env, "runs delete", ExitUsage, "give the IDs of the runs to delete")
		}
		var entries []runs.Entry
		for _, id := range rest {
			e, err := store.Find(id)
			if err != nil {
				return fail(env, "runs delete", ExitUsage, "%v", err)
			}
			entries = append(entries, e)
		}
		if !*yes {
			fmt.Fprintf(env.Stdout, "delete %d run(s) (%s)? [y/N] ", len(entries), ids(entries))
			answer, _ := bufio.NewReader(os.Stdin).ReadString('\n')
			if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
				fmt.Fprintln(env.Stdout, "nothing deleted")
				return ExitOK
			}
		}
		for _, e := range entries {
			if err := store.Delete(e); err != nil {
				return fail(env, "runs delete", ExitFailure, "%v", err)
			}
			fmt.Fprintf(env.Stdout, "deleted %s\n", e.ID)
		}
		return ExitOK
	}
	return fail(env, "runs", ExitUsage, "unknown subcommand %q (%s)", sub, usage)
}

func ids(entries []runs.Entry) string {
	s := make([]string, len(entries))
	for i, e := range entries {
		s[i] = e.ID
	}
	return strings.Join(s, ", ")
}

func entryJSON(e runs.Entry) map[string]any {
	m := map[string]any{"id": e.ID, "dir": e.Dir}
	if e.Damaged != "" {
		m["damaged"] = e.Damaged
		return m
	}
	m["summary"], m["config"] = e.Summary, e.Config
	return m
}
