package main

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cccd-vn/cccd/pki"
)

// readme is the project README, which documents the CLI.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cliFlags lists every flag a user can see in some command's --help, by
// command path.
func cliFlags() map[string][]string {
	out := map[string][]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && f.Name != "help" {
				out[c.CommandPath()] = append(out[c.CommandPath()], f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(rootCmd)
	return out
}

// TestREADMEHasEveryFlag: every flag of every command's --help is in the
// README, so that the tables and the tour cannot fall behind the CLI.
func TestREADMEHasEveryFlag(t *testing.T) {
	text := readme(t)
	for path, flags := range cliFlags() {
		for _, f := range flags {
			if !regexp.MustCompile(`--` + regexp.QuoteMeta(f) + `\b`).MatchString(text) {
				t.Errorf("README does not mention %s --%s", path, f)
			}
		}
	}
}

// TestREADMEFlagsExist: every --flag the README shows is a flag of cccd
// (or of another tool it quotes), so that the README cannot document a
// flag that is gone or misspelt.
func TestREADMEFlagsExist(t *testing.T) {
	known := map[string]bool{}
	for _, flags := range cliFlags() {
		for _, f := range flags {
			known[f] = true
		}
	}
	// cobra's own --help.
	for _, f := range []string{"help"} {
		known[f] = true
	}
	var unknown []string
	for _, m := range regexp.MustCompile(`(?:^|[\s\x60(\[|])--([a-z][a-z0-9-]*)`).FindAllStringSubmatch(readme(t), -1) {
		if !known[m[1]] {
			unknown = append(unknown, m[1])
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		t.Errorf("README shows flags no cccd command has: --%s", strings.Join(unknown, ", --"))
	}
}

// TestREADMEAlgorithms: the README's --alg list is the one 'pki init
// --help' offers.
func TestREADMEAlgorithms(t *testing.T) {
	text := readme(t)
	i := strings.Index(text, "`--alg`:")
	if i < 0 {
		t.Fatal("README has no `--alg`: list")
	}
	para := text[i:]
	if j := strings.Index(para, "\n\n"); j > 0 {
		para = para[:j]
	}
	var listed []string
	for _, m := range regexp.MustCompile("`([a-z0-9-]+)`").FindAllStringSubmatch(para, -1) {
		if m[1] != "--alg" {
			listed = append(listed, m[1])
		}
	}
	sort.Strings(listed)
	want := pki.Algorithms()
	if strings.Join(listed, " ") != strings.Join(want, " ") {
		t.Errorf("README --alg list %v, pki init offers %v", listed, want)
	}
}
