package batch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/runctl"
)

// fakeBatch runs jobs a, b, c with a fake run: outcome says what each
// source's run does. It returns Run's error, its lines, and the sources
// run.
func fakeBatch(t *testing.T, sigs chan os.Signal, outcome func(src string) error) (error, string, []string) {
	t.Helper()
	var jobs []Job
	for _, s := range []string{"a.avi", "b.avi", "c.avi"} {
		base := "out/" + strings.TrimSuffix(s, ".avi")
		jobs = append(jobs, Job{Source: s, Out: base + ".mp4", Results: base + ".jsonl", Report: base + ".html"})
	}
	var log strings.Builder
	var ran []string
	now := time.Unix(0, 0)
	clock := func() time.Time { now = now.Add(500 * time.Millisecond); return now }
	err := Run(jobs, func(j Job) error {
		ran = append(ran, j.Source)
		return outcome(j.Source)
	}, Options{
		Logf:    func(format string, a ...any) { fmt.Fprintf(&log, format+"\n", a...) },
		Signals: sigs,
		Explain: func(err error) error { return fmt.Errorf("%w (explained)", err) },
		Now:     clock,
	})
	return err, log.String(), ran
}

// raise is a signal on sigs, as signal.Notify sends it: never blocking.
func raise(sigs chan os.Signal, sig os.Signal) {
	select {
	case sigs <- sig:
	default:
	}
}

func want(t *testing.T, log string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(log, l) {
			t.Errorf("no %q in:\n%s", l, log)
		}
	}
}

func TestRunAllDone(t *testing.T) {
	err, log, ran := fakeBatch(t, make(chan os.Signal, 1), func(string) error { return nil })
	if err != nil || len(ran) != 3 {
		t.Errorf("Run = %v after running %v", err, ran)
	}
	want(t, log, "[1/3] a.avi\n", "[1/3] a.avi: done in 0.5s -> out/a.mp4, out/a.jsonl, out/a.html\n",
		"[3/3] c.avi: done in", "3 of 3 sources done in 3.5s\n")
}

// TestRunSourceFails: a failing source is reported, explained, and the
// next one starts; a source named like a full disk is not one.
func TestRunSourceFails(t *testing.T) {
	err, log, ran := fakeBatch(t, make(chan os.Signal, 1), func(src string) error {
		if src == "a.avi" {
			return errors.New("no space left on device.avi: not a \x1b[2Jvideo")
		}
		return nil
	})
	if !errors.Is(err, ErrFailed) || len(ran) != 3 {
		t.Errorf("Run = %v after running %v; want ErrFailed after all 3", err, ran)
	}
	want(t, log, "[1/3] a.avi: FAILED: no space left on device.avi: not a \\x1b[2Jvideo (explained)\n",
		"[2/3] b.avi: done", "2 of 3 sources done in 3.5s, 1 failed\n")
	if strings.Contains(log, "disk full") || strings.Contains(log, "not started") {
		t.Errorf("a source's name taken for a full disk:\n%s", log)
	}
}

// TestRunDiskFull: a full disk ends the batch: no other source starts.
func TestRunDiskFull(t *testing.T) {
	err, log, ran := fakeBatch(t, make(chan os.Signal, 1), func(string) error {
		return &fs.PathError{Op: "write", Path: "out/a.jsonl", Err: syscall.ENOSPC}
	})
	if !errors.Is(err, ErrDiskFull) || len(ran) != 1 {
		t.Errorf("Run = %v after running %v; want ErrDiskFull after a.avi alone", err, ran)
	}
	want(t, log, "[1/3] a.avi: FAILED (disk full): write out/a.jsonl: no space left on device (explained)\n",
		"disk full; 2 not started\n", "0 of 3 sources done in 1.5s, 1 failed, 2 not started: disk full\n")
}

// TestRunStopSignal: a signal during a source stops it (its run returns a
// StopError, its partial outputs kept) and no other source starts; Run
// returns a StopError: exit status 130.
func TestRunStopSignal(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	err, log, ran := fakeBatch(t, sigs, func(string) error {
		raise(sigs, syscall.SIGTERM)
		return &runctl.StopError{At: "at 0:01.2 of 0:03.0"}
	})
	var se *runctl.StopError
	if !errors.As(err, &se) || se.ExitStatus() != runctl.QuitStatus || len(ran) != 1 {
		t.Errorf("Run = %v after running %v; want a StopError after a.avi alone", err, ran)
	}
	want(t, log, "[1/3] a.avi: stopped at 0:01.2 of 0:03.0 by a signal (not done: a rerun does it again)\n",
		"stopped by signal; 2 not started\n", "0 of 3 sources done in 1.5s, 1 stopped by signal, 2 not started\n")
}

// TestRunSignalAfterWholeSource: a signal while a source finishes whole
// (its report written) ends the batch before the next one; once the last
// is done, it changes nothing.
func TestRunSignalAfterWholeSource(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	err, log, ran := fakeBatch(t, sigs, func(src string) error {
		if src == "b.avi" {
			raise(sigs, syscall.SIGINT)
		}
		return nil
	})
	var se *runctl.StopError
	if !errors.As(err, &se) || len(ran) != 2 {
		t.Errorf("Run = %v after running %v; want a StopError after a and b", err, ran)
	}
	want(t, log, "[2/3] b.avi: done", "stopped by signal; 1 not started\n", "2 of 3 sources done in 2.5s, 1 not started\n")
	err, _, _ = fakeBatch(t, sigs, func(src string) error {
		if src == "c.avi" {
			raise(sigs, syscall.SIGINT)
		}
		return nil
	})
	if err != nil {
		t.Errorf("a signal after the last source: %v", err)
	}
}

// TestRunListensForSignals: with no Signals, Run catches the stop
// signals itself for the whole batch: one sent during a source (the
// source's own listener sees it too) is not the process's end, and ends
// the batch.
func TestRunListensForSignals(t *testing.T) {
	ran := 0
	err := Run([]Job{{Source: "a.avi"}, {Source: "b.avi"}}, func(Job) error {
		ran++
		own := make(chan os.Signal, 1)
		signal.Notify(own, syscall.SIGHUP)
		defer signal.Stop(own)
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		select {
		case <-own:
		case <-time.After(5 * time.Second):
			t.Fatal("SIGHUP never arrived")
		}
		return nil
	}, Options{})
	var se *runctl.StopError
	if !errors.As(err, &se) || ran != 1 {
		t.Errorf("Run = %v after %d sources; want a StopError after one", err, ran)
	}
}
