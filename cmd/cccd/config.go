package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Station defaults: a counter or a factory station is set up once, not on
// every command line. Three settings — the reader, the trust store and the
// journal — come, for the flag of the same name, from (first match wins):
//
//  1. the flag itself (--reader, --trust, --journal);
//  2. the environment: CCCD_READER, CCCD_TRUST, CCCD_JOURNAL;
//  3. the config file: --config FILE, else $CCCD_CONFIG, else
//     $XDG_CONFIG_HOME/cccd/config (~/.config/cccd/config);
//
// and, for --reader only, when none of these names one: the only reader
// pcscd shows (openReader says which it chose).
//
// The config file is plain "key = value" lines:
//
//	# the counter at branch 12
//	reader  = ACS ACR1252 1S CL Reader PICC 0
//	trust   = /etc/cccd/trust
//	journal = postgres://cccd@db.factory/cccd
//
// Blank lines and lines starting with '#' are skipped; spaces around the
// key and the value are dropped; a value may be quoted ("…") to keep
// spaces at its ends. An unknown key, a key given twice or a line without
// '=' is an error naming the file and the line (exit 2), so a typo never
// silently falls back to a default. A relative path (trust, a journal
// file, emu:PATH) is relative to the file's directory.

// configKeys are the settings, each the name of the flag it sets.
var configKeys = []string{"reader", "trust", "journal"}

// configEnv is the environment variable of a key.
func configEnv(key string) string { return "CCCD_" + strings.ToUpper(key) }

// configFile is a parsed config file.
type configFile struct {
	path   string
	found  bool
	values map[string]string
}

// defaultConfigPath is $XDG_CONFIG_HOME/cccd/config, or
// ~/.config/cccd/config.
func defaultConfigPath() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "cccd", "config")
	}
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		return filepath.Join(h, ".config", "cccd", "config")
	}
	return ""
}

// loadConfig reads the config file: path when given (it must exist),
// else $CCCD_CONFIG (it must exist), else the default location (it may
// be missing).
func loadConfig(path string) (*configFile, error) {
	explicit := path != ""
	if !explicit {
		if p := os.Getenv("CCCD_CONFIG"); p != "" {
			path, explicit = p, true
		} else {
			path = defaultConfigPath()
		}
	}
	cf := &configFile{path: path, values: map[string]string{}}
	if path == "" {
		return cf, nil
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !explicit {
			return cf, nil
		}
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	cf.found = true
	if err := cf.parse(f); err != nil {
		return nil, err
	}
	return cf, nil
}

func (cf *configFile) parse(r io.Reader) error {
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("%s:%d: want key = value (keys: %s)", cf.path, n, strings.Join(configKeys, ", "))
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if !isConfigKey(key) {
			return fmt.Errorf("%s:%d: unknown key %q (keys: %s)", cf.path, n, key, strings.Join(configKeys, ", "))
		}
		if _, dup := cf.values[key]; dup {
			return fmt.Errorf("%s:%d: %s is set twice", cf.path, n, key)
		}
		if strings.IndexFunc(value, unicode.IsControl) >= 0 {
			return fmt.Errorf("%s:%d: %s: control characters in the value", cf.path, n, key)
		}
		cf.values[key] = cf.resolve(key, value)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", cf.path, err)
	}
	return nil
}

func isConfigKey(k string) bool {
	for _, c := range configKeys {
		if c == k {
			return true
		}
	}
	return false
}

// resolve makes a relative path of the file relative to its directory.
func (cf *configFile) resolve(key, v string) string {
	dir := filepath.Dir(cf.path)
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		if h, ok := strings.CutPrefix(p, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				return filepath.Join(home, h)
			}
		}
		return filepath.Join(dir, p)
	}
	switch key {
	case "trust":
		return rel(v)
	case "journal":
		if strings.Contains(v, "://") {
			return v
		}
		return rel(v)
	case "reader":
		if p, ok := strings.CutPrefix(v, "emu:"); ok {
			return "emu:" + rel(p)
		}
	}
	return v
}

// setting is one default and where it came from.
type setting struct {
	value, source string
}

// lookup gives a key's default: the environment first, then the file.
func (cf *configFile) lookup(key string) (setting, bool) {
	if v := os.Getenv(configEnv(key)); v != "" {
		return setting{v, configEnv(key)}, true
	}
	if v, ok := cf.values[key]; ok && v != "" {
		return setting{v, cf.path}, true
	}
	return setting{}, false
}

// skipDefault: flags that make a default meaningless for this run — a
// dump verified offline has no reader, an upload-only counter neither, the
// demo has its own trust store.
func skipDefault(c *cobra.Command, key string) bool {
	changed := func(name string) bool {
		f := c.Flags().Lookup(name)
		return f != nil && f.Changed
	}
	switch key {
	case "reader":
		return changed("files") || changed("no-readers")
	case "trust":
		return changed("demo")
	}
	return false
}

// applyDefaults sets the flags of c that were not given from the
// environment and the config file. It runs before every command.
func applyDefaults(c *cobra.Command) error {
	wanted := false
	for _, key := range configKeys {
		if f := c.Flags().Lookup(key); f != nil && !f.Changed {
			wanted = true
		}
	}
	if !wanted {
		return nil // the file is not even read: 'cccd version' works whatever it holds
	}
	path, _ := c.Flags().GetString("config")
	cf, err := loadConfig(path)
	if err != nil {
		return inputError(err)
	}
	for _, key := range configKeys {
		f := c.Flags().Lookup(key)
		if f == nil || f.Changed || skipDefault(c, key) {
			continue
		}
		s, ok := cf.lookup(key)
		if !ok {
			continue
		}
		if err := c.Flags().Set(key, s.value); err != nil {
			return usageError(c, "%s (from %s): %v", key, s.source, err)
		}
	}
	return nil
}

// describeDefaults adds, once, to the help of every --reader, --trust and
// --journal flag where its default comes from.
func describeDefaults(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if isConfigKey(f.Name) && !strings.Contains(f.Usage, "$"+configEnv(f.Name)) {
				f.Usage += fmt.Sprintf(" (default: $%s, or %q in the config file)", configEnv(f.Name), f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func init() {
	rootCmd.PersistentFlags().String("config", "", "config file of station defaults (default $CCCD_CONFIG, else $XDG_CONFIG_HOME/cccd/config)")
	rootCmd.PersistentPreRunE = func(c *cobra.Command, _ []string) error { return applyDefaults(c) }

	var asJSON bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the station defaults (reader, trust store, journal) and where each comes from",
		Long: `Show the defaults of --reader, --trust and --journal that apply when the
flag is not given, and where each comes from. In order, the first that
sets a value wins:

  1. the flag on the command line
  2. the environment: CCCD_READER, CCCD_TRUST, CCCD_JOURNAL
  3. the config file: --config FILE, else $CCCD_CONFIG, else
     $XDG_CONFIG_HOME/cccd/config (~/.config/cccd/config when unset)
  4. for --reader: the only reader pcscd shows (said on stderr); for
     read, verify and apdu also the only reader with a card in it

The config file holds "key = value" lines with the keys reader, trust and
journal; '#' starts a comment line; a value may be quoted; relative paths
are relative to the file's directory. An unknown key is an error:

  # counter 3, branch 12
  reader  = ACS ACR1252 1S CL Reader PICC 0
  trust   = /etc/cccd/trust
  journal = postgres://cccd@db.factory/cccd

Examples:
  cccd config
  CCCD_READER=emu:card.json cccd config --json
  cccd config --config /etc/cccd/counter.conf`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			path, _ := c.Flags().GetString("config")
			cf, err := loadConfig(path)
			if err != nil {
				return inputError(err)
			}
			type row struct {
				Value  string `json:"value"`
				Source string `json:"source"`
			}
			out := struct {
				ConfigFile  string         `json:"config_file"`
				ConfigFound bool           `json:"config_found"`
				Settings    map[string]row `json:"settings"`
			}{cf.path, cf.found, map[string]row{}}
			for _, k := range configKeys {
				if s, ok := cf.lookup(k); ok {
					out.Settings[k] = row{s.value, s.source}
				}
			}
			w := c.OutOrStdout()
			if asJSON {
				return writeJSON(w, out)
			}
			state := "not found"
			if cf.found {
				state = "read"
			}
			if cf.path == "" {
				fmt.Fprintln(w, "config file: none (no home directory)")
			} else {
				fmt.Fprintf(w, "config file: %s (%s)\n", cf.path, state)
			}
			keys := append([]string(nil), configKeys...)
			sort.Strings(keys)
			for _, k := range keys {
				if r, ok := out.Settings[k]; ok {
					fmt.Fprintf(w, "%-8s = %s   (from %s)\n", k, r.Value, r.Source)
				} else if k == "reader" {
					fmt.Fprintf(w, "%-8s   not set: the only reader pcscd shows\n", k)
				} else {
					fmt.Fprintf(w, "%-8s   not set\n", k)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object: config_file, config_found, settings {key: {value, source}}")
	register(cmd)
}
