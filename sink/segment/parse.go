package segment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// ParseSize reads a size such as "20GB", "500MB", "1.5G" or "2GiB" (SI
// units are powers of 1000, IEC ones of 1024; a bare number is bytes).
// "0" is 0: no limit.
func ParseSize(s string) (int64, error) {
	n, err := humanize.ParseBytes(strings.TrimSpace(s))
	if err != nil || strings.HasPrefix(strings.TrimSpace(s), "-") {
		return 0, fmt.Errorf("size %q: want a number and a unit, like 20GB, 500MB or 1.5G", s)
	}
	if n > math.MaxInt64 {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	return int64(n), nil
}

// ParseAge reads an age such as "7d", "12h", "30m" or "1d12h": a number of
// days (d) optionally followed by what time.ParseDuration reads. "0" is 0:
// no limit.
func ParseAge(s string) (time.Duration, error) {
	bad := fmt.Errorf("age %q: want a number and a unit, like 7d, 12h or 30m", s)
	rest := strings.TrimSpace(s)
	var d time.Duration
	if i := strings.IndexByte(rest, 'd'); i >= 0 {
		days, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || days < 0 || math.IsInf(days, 0) || math.IsNaN(days) || days > 100*365 {
			return 0, bad
		}
		d = time.Duration(days * 24 * float64(time.Hour))
		rest = rest[i+1:]
		if rest == "" {
			return d, nil
		}
	}
	more, err := time.ParseDuration(rest)
	if err != nil || more < 0 || rest[0] == '+' || rest[0] == '-' && d > 0 {
		return 0, bad
	}
	return d + more, nil
}
