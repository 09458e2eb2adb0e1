package main

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/pki"
)

// Shell completion that knows the machine ('cccd completion bash|zsh|
// fish'): --reader completes the readers pcscd shows right now (and emu:
// card images), and every flag or argument that takes a file offers the
// files of its kind: card images (*.card, *.json), citizen records (.jsonl,
// .csv), trust stores and other directories, certificates, keys, images,
// APDU scripts.

// fileKinds are the extensions a file flag takes.
var (
	extCard    = []string{"card", "json"}
	extRecords = []string{"jsonl", "csv"}
	extCert    = []string{"pem", "crt", "cer", "der"}
	extKey     = []string{"pem", "key"}
	extImage   = []string{"png", "jpg", "jpeg"}
	extTrust   = []string{"pem", "crt", "cer", "der", "crl", "ml"}
	extJournal = []string{"db", "sqlite", "sqlite3"}
	extScript  = []string{"apdu", "txt"}
	extQROut   = []string{"png", "svg"}
)

// flagCompletion is how one flag completes: by its name everywhere, or
// for one command ("cccd pki init --out") when the same name means
// different things.
func flagCompletion(path, flag string) cobra.CompletionFunc {
	switch path + " --" + flag {
	case "cccd testcards blank --out":
		return exts(extCard)
	case "cccd qr encode --out":
		return exts(extQROut)
	case "cccd qr encode --record":
		return exts([]string{"json"})
	case "cccd pki init --out", "cccd read --out", "cccd testcards sample --out":
		return dirs
	}
	switch flag {
	case "reader":
		return completeReader
	case "trust", "files", "qr-out", "demo":
		return dirs
	case "card":
		return exts(extCard)
	case "input":
		return exts(extRecords)
	case "format":
		return choices("jsonl", "csv")
	case "journal":
		return exts(extJournal)
	case "ds-cert":
		return exts(extCert)
	case "ds-key":
		return exts(extKey)
	case "qr-image":
		return exts(extImage)
	case "photo-out":
		return exts([]string{"jpg", "png"})
	case "script":
		return exts(extScript)
	case "config", "token-file", "pin-file":
		return files
	case "lang":
		return choices("vi", "en")
	case "profile":
		return choices("cccd", "icao")
	case "layout":
		return choices("2021", "2024")
	case "level":
		return choices("L", "M", "Q", "H")
	case "alg":
		return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return pki.Algorithms(), cobra.ShellCompDirectiveNoFileComp
		}
	case "open":
		return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []cobra.Completion{"can:", "mrz:", "qr:", "@", "-"}, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		}
	}
	return nil
}

// argCompletion is how a command's arguments complete.
func argCompletion(path string) cobra.CompletionFunc {
	switch path {
	case "cccd trust add":
		return exts(extTrust)
	case "cccd qr decode":
		return exts(extImage)
	case "cccd inspect":
		return files
	}
	return nil
}

// registerCompletions walks the command tree once and gives each flag and
// command its completion.
func registerCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if fn := flagCompletion(c.CommandPath(), f.Name); fn != nil {
				if _, ok := c.GetFlagCompletionFunc(f.Name); !ok {
					c.RegisterFlagCompletionFunc(f.Name, fn)
				}
			}
		})
		if fn := argCompletion(c.CommandPath()); fn != nil && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = fn
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if fn := flagCompletion(root.CommandPath(), "config"); fn != nil {
		root.RegisterFlagCompletionFunc("config", fn)
	}
}

func exts(e []string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return e, cobra.ShellCompDirectiveFilterFileExt
	}
}

func dirs(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

func files(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveDefault
}

func choices(w ...string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return w, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeReader offers the readers pcscd shows (name, with whether a
// card is in it), their indices, and emu: card images under the path
// typed so far.
func completeReader(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if p, ok := strings.CutPrefix(toComplete, "emu:"); ok {
		return emuCompletions(p), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
	var out []cobra.Completion
	if ctx, err := pcsc.Open(); err == nil {
		readers, _ := ctx.Readers()
		ctx.Close()
		for _, r := range readers {
			state := "no card"
			if r.CardPresent {
				state = "card present"
			}
			out = append(out, cobra.CompletionWithDesc(r.Name, "reader "+strconv.Itoa(r.Index)+", "+state))
		}
		for _, r := range readers {
			out = append(out, cobra.CompletionWithDesc(strconv.Itoa(r.Index), r.Name))
		}
	}
	out = append(out, cobra.CompletionWithDesc("emu:", "an emulated card image (emu:PATH)"))
	dir := cobra.ShellCompDirectiveNoFileComp
	if len(out) == 1 {
		dir |= cobra.ShellCompDirectiveNoSpace
	}
	return out, dir
}

// emuCompletions lists, with the emu: prefix, the directories and card
// images (*.card, *.json) that start with prefix.
func emuCompletions(prefix string) []cobra.Completion {
	dir, base := filepath.Split(prefix)
	look := dir
	if look == "" {
		look = "."
	}
	entries, err := os.ReadDir(look)
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			if st, err := os.Stat(filepath.Join(look, name)); err == nil {
				isDir = st.IsDir()
			}
		}
		switch {
		case isDir:
			out = append(out, "emu:"+dir+name+"/")
		case strings.HasSuffix(name, ".card") || strings.HasSuffix(name, ".json"):
			out = append(out, "emu:"+dir+name)
		}
	}
	sort.Strings(out)
	return out
}
