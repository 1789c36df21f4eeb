// Command connevents runs the connection-event service and its tools:
//
//	connevents serve          run the service
//	connevents fasten send    post a signed test delivery to a webhook URL
//	connevents fasten secret  print a new whsec_ signing secret
//	connevents oneup pull     backfill 1upHealth AuditEvents into the store
//	connevents keys new       print a new API key and its keys-file line
//	connevents tail           subscribe and print events (or journey changes) as they arrive
//	connevents journeys rebuild  recompute every connection journey from the log
//	connevents access-log     print the access log (who read which patient's data)
//	connevents demo           the service with a fake 1upHealth API and scripted events
//	connevents deadletters …  list, get, retry or discard dead letters
//	connevents version        print the version
//
// Run `connevents COMMAND --help` for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand: its words, a line of help, and what it runs.
type command struct {
	name string
	help string
	run  func(args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the service", serve},
		{"fasten send", "post a signed Fasten webhook delivery to a URL", fastenSend},
		{"fasten secret", "print a new whsec_ signing secret", fastenSecret},
		{"oneup pull", "backfill 1upHealth AuditEvents from --since into the store", oneupPull},
		{"keys new", "print a new API key (line 1) and its --api-keys-file line (line 2)", keysNew},
		{"tail", "subscribe and print events (--connections: journey changes) as they arrive", tail},
		{"journeys rebuild", "recompute every connection journey from the event log (online) and say how many changed", journeysRebuild},
		{"access-log", "print the access log of reads of personal data, newest first (admin key)", accessLog},
		{"demo", "run the service with a fake 1upHealth API and scripted events from both sources", demo},
		{"deadletters list", "list the dead letters, newest first", deadLettersList},
		{"deadletters get", "print one dead letter with its raw bytes", deadLettersGet},
		{"deadletters retry", "normalize a dead letter again and store its event", deadLettersRetry},
		{"deadletters discard", "delete a dead letter for good", deadLettersDiscard},
		{"version", "print the version (also --version)", versionCmd},
	}
}

// version is the build's version, set with
// -ldflags "-X main.version=…" (the Makefile uses git describe).
var version = "dev"

func main() {
	os.Exit(exitCode(dispatch(os.Args[1:]), os.Stderr))
}

// usageError is a command line that cannot be run: the usage was printed,
// and the exit status is 2.
type usageError struct {
	err   error
	quiet bool // the flag package already printed err
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode prints err and returns the exit status: 0 for success and for
// help that was asked for, 2 for a command line that cannot be run, 1 for a
// command that failed.
func exitCode(err error, stderr io.Writer) int {
	var usage usageError
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		if !usage.quiet {
			fmt.Fprintln(stderr, "connevents:", err)
		}
		return 2
	}
	fmt.Fprintln(stderr, "connevents:", err)
	return 1
}

// dispatch runs the longest command whose words start args. Help, the
// version and command groups (`connevents fasten`) are answered here.
func dispatch(args []string) error {
	if len(args) == 0 {
		usage(os.Stderr, "")
		return usageError{err: errors.New("no command given")}
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(os.Stdout, "")
		return nil
	case "-version", "--version":
		printVersion()
		return nil
	case "help": // help COMMAND is COMMAND --help
		if len(args) == 1 {
			usage(os.Stdout, "")
			return nil
		}
		return dispatch(append(slices.Clone(args[1:]), "--help"))
	}
	cmds := commands()
	sort.SliceStable(cmds, func(i, j int) bool { return len(cmds[i].name) > len(cmds[j].name) })
	for _, c := range cmds {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c.run(args[len(words):])
		}
	}
	return groupOrUnknown(args)
}

// groupOrUnknown answers a command line that names no command: the first
// word of a group (`connevents fasten`) lists the group's commands, with
// --help as asked for; anything else is unknown.
func groupOrUnknown(args []string) error {
	group := args[0]
	if !isGroup(group) {
		usage(os.Stderr, "")
		return usageError{err: fmt.Errorf("unknown command %q", group)}
	}
	if len(args) > 1 && isHelp(args[1]) {
		usage(os.Stdout, group)
		return nil
	}
	usage(os.Stderr, group)
	if len(args) == 1 {
		return usageError{err: fmt.Errorf("%s needs a command", group)}
	}
	return usageError{err: fmt.Errorf("unknown command %q", group+" "+args[1])}
}

// isGroup is whether word starts commands of more than one word.
func isGroup(word string) bool {
	for _, c := range commands() {
		if strings.HasPrefix(c.name, word+" ") {
			return true
		}
	}
	return false
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func printVersion() { fmt.Println(version) }

// usage lists the commands, or a group's commands, on w.
func usage(w io.Writer, group string) {
	if group == "" {
		fmt.Fprintln(w, "usage: connevents COMMAND [flags]\n\ncommands:")
	} else {
		fmt.Fprintf(w, "usage: connevents %s COMMAND [flags]\n\ncommands:\n", group)
	}
	for _, c := range commands() {
		if group == "" || strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(w, "  %-15s %s\n", c.name, c.help)
		}
	}
	fmt.Fprintln(w, "\nRun `connevents COMMAND --help` for a command's flags; `connevents --version` prints the version.")
}

// parseFlags parses a command's flags. A bad flag or a stray argument is a
// usage error (exit 2); --help returns flag.ErrHelp (exit 0).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err: err, quiet: true}
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usageError{err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func versionCmd(args []string) error {
	if err := parseFlags(newFlagSet("version", nil), args); err != nil {
		return err
	}
	printVersion()
	return nil
}

// untilInterrupted runs f with a context that ends on SIGINT or SIGTERM.
func untilInterrupted(f func(ctx context.Context) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return f(ctx)
}

// newFlagSet returns a flag set whose --help lists every flag with its
// environment variable.
func newFlagSet(name string, envOf func(string) string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: connevents %s [flags]\n\nflags:\n", name)
		fs.VisitAll(func(f *flag.Flag) {
			env := ""
			if envOf != nil {
				env = " (env " + envOf(f.Name) + ")"
			}
			def := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(fs.Output(), "  --%s%s\n        %s%s\n", f.Name, env, f.Usage, def)
		})
	}
	return fs
}
