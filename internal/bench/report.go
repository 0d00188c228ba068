package bench

import (
	"fmt"
	"io"
)

// Print writes the report as the table of issue 11: the county, the start
// and rebuild figures, each read at each client count beside /healthz, and
// commands beside raw appends.
func (r ServeReport) Print(w io.Writer) {
	fmt.Fprintf(w, "county: %d events, %d households", r.Events, r.Households)
	if r.GeneratedS > 0 {
		fmt.Fprintf(w, " (generated in %.1f s, %.0f events/s)", r.GeneratedS, float64(r.Events)/r.GeneratedS)
	}
	fmt.Fprintf(w, "; requests over %d files, %d as-of dates, %d files with payments, %d searches\n\n",
		r.IDs.Files, r.IDs.AsOfFiles, r.IDs.PaidFiles, r.IDs.SearchQueries)
	fmt.Fprintf(w, "%-44s %s\n", "what", "measured")
	row := func(what, format string, args ...any) {
		fmt.Fprintf(w, "%-44s "+format+"\n", append([]any{what}, args...)...)
	}
	row("start to /readyz 200 (first start)", "%.2f s (models at the head: %.2f s)", r.FirstReadyS, r.FirstCaughtUpS)
	row("restart to /readyz 200", "%.2f s (models at the head: %.2f s)", r.RestartReadyS, r.RestartCaughtUpS)
	row("server peak memory (VmHWM), first start", "%s", mib(r.FirstReadyPeakBytes))
	row("server peak memory (VmHWM), restart", "%s at ready, %s at the end", mib(r.RestartReadyPeakBytes), mib(r.PeakBytes))
	row("server peak memory per event", "%.0f bytes", float64(r.PeakBytes)/float64(r.Events))
	row("ReadAll of the log", "%.0f events/s", r.ReadAllEventsPerS)
	row("full rebuild of every read model", "%.0f events/s (%.3f × ReadAll)", r.RebuildEventsPerS, r.RebuildOverReadAll)
	c := r.Commands
	row(fmt.Sprintf("commands (filing a complaint), %d clients", c.Clients), "%.0f/s, p50 %.1f ms, p99 %.1f ms", c.PerS, c.P50Ms, c.P99Ms)
	row(fmt.Sprintf("store's raw appends, %d writers", c.Clients), "%.0f/s (commands %.3f × raw)", c.RawAppendsPerS, c.OverRawAppends)
	fmt.Fprintf(w, "\n%-12s %7s %9s %9s %9s %9s %11s %7s\n", "read", "clients", "calls", "p50_ms", "p99_ms", "per_s", "healthz/s", "ratio")
	for _, x := range r.Reads {
		fmt.Fprintf(w, "%-12s %7d %9d %9.2f %9.2f %9.0f %11.0f %7.3f\n", x.Read, x.Clients, x.Calls, x.P50Ms, x.P99Ms, x.PerS, x.HealthzPerS, x.OverHealthz)
	}
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
