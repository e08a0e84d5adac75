// Package allocwatch attributes heap allocations to livecam's own code,
// for tests that promise a hot path allocates nothing even though other
// goroutines (the runtime, cgo threads, the test itself) allocate at the
// same time. It samples every allocation (runtime.MemProfileRate = 1)
// while active and counts those with a livecam function on their stack.
package allocwatch

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
)

// Module is the import path prefix whose functions count.
const Module = "github.com/livecam/livecam/"

// Start samples every allocation from now on; call the returned function
// to restore the previous rate.
func Start() (stop func()) {
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	return func() { runtime.MemProfileRate = old }
}

// Counts maps an allocation site (the innermost livecam function and
// line on its stack) to the number of objects allocated there.
type Counts map[string]int64

// Snapshot returns the allocations recorded so far, per livecam site. It
// runs the garbage collector first: the profile is only current after
// collections.
func Snapshot() Counts {
	for range 3 {
		runtime.GC()
	}
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+50)
		var ok bool
		n, ok = runtime.MemProfile(recs, true)
		if ok {
			recs = recs[:n]
			break
		}
	}
	c := Counts{}
	for _, r := range recs {
		if site := livecamSite(r.Stack()); site != "" {
			c[site] += r.AllocObjects
		}
	}
	return c
}

// livecamSite names the innermost frame of stack in livecam's code
// outside tests, or "" (also for allocwatch's own allocations and the
// runtime's channel-wait records).
func livecamSite(stack []uintptr) string {
	frames := runtime.CallersFrames(stack)
	site := ""
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, Module+"internal/testrig/allocwatch.") {
			return ""
		}
		if site == "" && f.Function == "runtime.acquireSudog" {
			// The runtime's bookkeeping for a goroutine that waits on a
			// channel (its sudog cache refills under load), not an
			// allocation of the code that waits.
			return ""
		}
		if site == "" && strings.HasPrefix(f.Function, Module) && !strings.HasSuffix(f.File, "_test.go") {
			site = fmt.Sprintf("%s (%s:%d)", strings.TrimPrefix(f.Function, Module), f.File[strings.LastIndex(f.File, "/")+1:], f.Line)
		}
		if !more {
			return site
		}
	}
}

// Since returns the allocations made after earlier, per site, and their
// total.
func (c Counts) Since(earlier Counts) (Counts, int64) {
	d := Counts{}
	var total int64
	for site, n := range c {
		if n -= earlier[site]; n > 0 {
			d[site] = n
			total += n
		}
	}
	return d, total
}

// String lists the sites, most allocations first.
func (c Counts) String() string {
	sites := make([]string, 0, len(c))
	for s := range c {
		sites = append(sites, s)
	}
	sort.Slice(sites, func(i, j int) bool { return c[sites[i]] > c[sites[j]] })
	var b strings.Builder
	for _, s := range sites {
		fmt.Fprintf(&b, "%8d  %s\n", c[s], s)
	}
	return b.String()
}
