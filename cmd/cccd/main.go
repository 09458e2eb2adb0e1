// Command cccd personalizes, reads and verifies chip identity cards that
// follow ICAO Doc 9303 (first of all Vietnam's chip citizen identity card,
// CCCD). See README.md for a tour.
//
// The CLI is thin: every command parses flags, calls a package of this
// module and turns its result into text, JSON and an exit code.
package main

import (
	"fmt"
	"os"
	"sync"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/verify"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// rootCmd is the top of the command tree. Each command lives in a file of
// its own and adds itself with register in an init function, so commands do
// not touch each other's files.
var rootCmd = &cobra.Command{
	Use:   "cccd",
	Short: "Personalize, read and verify ICAO 9303 chip identity cards (Vietnam CCCD)",
	Long: `cccd personalizes, reads and verifies chip identity cards that follow
ICAO Doc 9303, built first for Vietnam's chip citizen identity card (CCCD).

Readers: --reader takes a PC/SC reader name, a unique substring of it, its
index in 'cccd readers', or emu:PATH for an emulated card image. Without
it: $CCCD_READER, the config file, else the only reader there is.

Station defaults: CCCD_READER, CCCD_TRUST and CCCD_JOURNAL, or the same
keys in a config file (--config; 'cccd config --help'), stand for --reader,
--trust and --journal when they are not given.

Exit codes:
  0  success / card genuine
  1  verification failed (the card is not what it claims)
  2  bad usage or bad input file
  3  reader, card or I/O failure (nothing was concluded)`,
	SilenceUsage:  true,
	SilenceErrors: true,
}

func register(cmds ...*cobra.Command) { rootCmd.AddCommand(cmds...) }

func init() {
	verify.ToolVersion = version
	rootCmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(c, "%v", err)
	})
}

// run executes the CLI with args and returns the process exit code. It is
// separate from main so that tests can run the CLI in-process.
func run(args []string) int {
	describeOnce.Do(func() { describeDefaults(rootCmd); registerCompletions(rootCmd) })
	rootCmd.SetArgs(args)
	err := rootCmd.Execute()
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	fmt.Fprintf(os.Stderr, "cccd: %v\n", err)
	return code
}

var describeOnce sync.Once

func main() { os.Exit(run(os.Args[1:])) }
