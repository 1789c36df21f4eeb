// Command connevents runs the connection-event service and its tools:
//
//	connevents serve          run the service
//	connevents fasten send    post a signed test delivery to a webhook URL
//	connevents fasten secret  print a new whsec_ signing secret
//	connevents oneup pull     backfill 1upHealth AuditEvents into the store
//	connevents tail           subscribe and print events as they arrive
//	connevents version        print the version
//
// Run `connevents COMMAND --help` for a command's flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
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
		{"tail", "subscribe and print events as they arrive", tail},
		{"version", "print the version", func([]string) error { fmt.Println(version); return nil }},
	}
}

var version = "dev"

func main() {
	err := dispatch(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "connevents:", err)
		os.Exit(1)
	}
}

// dispatch runs the longest command whose words start args.
func dispatch(args []string) error {
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return len(cmds[i].name) > len(cmds[j].name) })
	for _, c := range cmds {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c.run(args[len(words):])
		}
	}
	usage()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return nil
	}
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: connevents COMMAND [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(os.Stderr, "  %-15s %s\n", c.name, c.help)
	}
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
