// Command drip is Drip's one binary: the server, the benchmarks and the
// operator's tools. It is the only place that knows every concrete type and
// wires them together, by hand, in dependency order.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":     {"start the HTTP server (embedded store, PostgreSQL or KurrentDB) with read models, notary and forwarding", runServe},
		"demo":      {"load a synthetic Weining county into an empty data directory (drip demo -h)", runDemo},
		"bench":     {"measure appends against the disk's baseline, replay, and a whole county served (drip bench append -h, replay -h, serve -h)", runBench},
		"token":     {"issue a signed bearer token, or rotate the key (drip token issue -h)", runToken},
		"keys":      {"generate the notary's checkpoint-signing key pair (drip keys generate -h)", runKeys},
		"verify":    {"check a bundle, a consistency proof or a whole store against the verifier key", runVerify},
		"forward":   {"publish the log to NATS JetStream in order, resuming after a restart (drip forward -h)", runForward},
		"migrate":   {"copy the whole log to another store and check the Merkle roots agree (drip migrate -h)", runMigrate},
		"project":   {"advance the durable read models of a PostgreSQL deployment under leadership, with no HTTP server (drip project -h)", runProject},
		"rebuild":   {"rebuild read models from position 1, offline, and print the rate beside ReadAll (drip rebuild -h)", runRebuild},
		"reconcile": {"import bank return files into the embedded store, all or nothing, and print the report (drip reconcile -h)", runReconcile},
		"help":      {"show this help, or a subcommand's (drip help serve)", nil},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "drip:", err)
		os.Exit(1)
	}
}

// errUsage means the command line was wrong; the message is already printed.
var errUsage = errors.New("usage")

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(stdout, cmds)
		return nil
	}
	name, rest := args[0], args[1:]
	if name == "help" {
		if len(rest) == 0 {
			usage(stdout, cmds)
			return nil
		}
		name, rest = rest[0], []string{"-h"}
	}
	c, ok := cmds[name]
	if !ok || c.run == nil {
		fmt.Fprintf(stderr, "drip: unknown command %q\n\n", name)
		usage(stderr, cmds)
		return errUsage
	}
	return c.run(ctx, rest, stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Drip: an event-sourced ledger for poverty-alleviation funds and household status.")
	fmt.Fprintln(w, "\nUsage: drip <command> [flags]   (drip <command> -h for its flags)\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}

// newFlags returns a flag set that prints its usage to stderr with a summary
// line, and whose Parse returns flag.ErrHelp for -h (answered with exit 0).
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("drip "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: drip %s\n\n%s\n\nFlags:\n", name, strings.TrimSpace(synopsis))
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and turns a bad flag into errUsage (the flag package has
// already said what was wrong).
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		if fs.NArg() > 0 {
			fmt.Fprintf(fs.Output(), "unexpected arguments: %v\n", fs.Args())
			fs.Usage()
			return errUsage
		}
		return nil
	case errors.Is(err, flag.ErrHelp):
		return err
	}
	return errUsage
}
