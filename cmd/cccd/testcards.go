package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/citizen"
	"github.com/cccd-vn/cccd/testcards"
)

func init() {
	root := &cobra.Command{
		Use:   "testcards",
		Short: "Make and break emulated cards (blank images, sample citizens, faults)",
		Long: `Tools for QA: blank card images to personalize, sample citizen records
with photos, and faults to inject into a card image.

Examples:
  cccd testcards blank --out card.json
  cccd testcards sample --out samples --n 20 --seed 1
  cccd testcards fault --card card.json --tear-after 12
  cccd testcards tamper --card card.json --dg 13
  cccd testcards clone --card card.json`,
	}

	// blank
	var out, profile string
	var maxResp int
	var noExt, force bool
	blank := &cobra.Command{
		Use:   "blank --out PATH",
		Short: "Create an unpersonalized card image",
		Long: `Create an unpersonalized card image: an eMRTD applet with no files and no
secrets, ready for the personalization commands.

--profile cccd (default) mimics the Vietnamese CCCD chip (SELECT of the master
file answers 6D00, DG3/DG4 need EAC); icao is a plain ICAO 9303 chip.
--max-response caps the bytes one READ BINARY returns (e.g. 223, 1024) and
--no-extended refuses extended-length APDUs, to mimic older chips.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if out == "" {
				return usageError(c, "--out is required")
			}
			p := testcards.Profile(profile)
			if p != testcards.ProfileCCCD && p != testcards.ProfileICAO {
				return usageError(c, "--profile must be cccd or icao")
			}
			if _, err := os.Stat(out); err == nil && !force {
				return inputError(fmt.Errorf("%s exists; pass --force to overwrite it", out))
			}
			img := testcards.NewBlankImage(p)
			img.MaxResponse, img.ExtendedLength = maxResp, !noExt
			if err := img.Save(out); err != nil {
				return ioError(err)
			}
			fmt.Fprintf(c.OutOrStdout(), "blank %s card image written to %s\n", p, out)
			return nil
		},
	}
	blank.Flags().StringVar(&out, "out", "", "path of the image to create")
	blank.Flags().StringVar(&profile, "profile", "cccd", "chip behaviour: cccd or icao")
	blank.Flags().IntVar(&maxResp, "max-response", 0, "largest READ BINARY answer in bytes (0: up to 65536)")
	blank.Flags().BoolVar(&noExt, "no-extended", false, "refuse extended-length APDUs")
	blank.Flags().BoolVar(&force, "force", false, "overwrite an existing image")

	// sample
	var sOut string
	var n int
	var seed uint64
	var withFP bool
	sample := &cobra.Command{
		Use:   "sample --out DIR --n N [--seed S] [--fingerprints]",
		Short: "Write N sample citizen records with face photos",
		Long: `Write N realistic, valid and fictional citizen records as DIR/records.jsonl
(one citizen.Record per line, the input of 'cccd personalize') with a
generated face photo per record in DIR/photos/ (JPEG, 10–20 KB). The same
--seed gives the same records and photos. --fingerprints adds synthetic
fingerprints (drawn ridges, no real person's) of both index fingers in
DIR/fp/ (PNG, 500 ppi, about 13 KB) and the records' "fingerprints" field,
for DG3 ('cccd personalize --eac').`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if sOut == "" || n <= 0 {
				return usageError(c, "--out and a positive --n are required")
			}
			samples, err := testcards.Samples(n, seed)
			if err != nil {
				return ioError(err)
			}
			if err := os.MkdirAll(filepath.Join(sOut, "photos"), 0o755); err != nil {
				return ioError(err)
			}
			f, err := os.Create(filepath.Join(sOut, "records.jsonl"))
			if err != nil {
				return ioError(err)
			}
			defer f.Close()
			enc := json.NewEncoder(f)
			enc.SetEscapeHTML(false)
			for _, s := range samples {
				rel := filepath.Join("photos", s.Record.IDNumber+".jpg")
				if err := os.WriteFile(filepath.Join(sOut, rel), s.Photo, 0o644); err != nil {
					return ioError(err)
				}
				s.Record.Photo = rel
				if withFP {
					fps, err := testcards.Fingerprints(s.Record.IDNumber)
					if err != nil {
						return ioError(err)
					}
					if err := os.MkdirAll(filepath.Join(sOut, "fp"), 0o755); err != nil {
						return ioError(err)
					}
					for _, fp := range fps {
						rel := filepath.Join("fp", s.Record.IDNumber+"_"+fp.Finger+".png")
						if err := os.WriteFile(filepath.Join(sOut, rel), fp.Image, 0o644); err != nil {
							return ioError(err)
						}
						s.Record.Fingerprints = append(s.Record.Fingerprints, citizen.Fingerprint{Finger: fp.Finger, Image: rel})
					}
				}
				if err := enc.Encode(s.Record); err != nil {
					return ioError(err)
				}
			}
			fmt.Fprintf(c.OutOrStdout(), "%d sample records written to %s (photos in %s)\n", n, filepath.Join(sOut, "records.jsonl"), filepath.Join(sOut, "photos"))
			return nil
		},
	}
	sample.Flags().StringVar(&sOut, "out", "", "directory to write into")
	sample.Flags().IntVar(&n, "n", 10, "number of records")
	sample.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	sample.Flags().BoolVar(&withFP, "fingerprints", false, "add synthetic fingerprints (right and left index, PNG) for DG3")

	// fault
	var fCard string
	var tear, delay int
	var sws []string
	var badMAC, clear bool
	fault := &cobra.Command{
		Use:   "fault --card PATH [--tear-after N] [--sw INS=SW[@N]]... [--delay MS] [--bad-mac] [--clear]",
		Short: "Inject faults into a card image",
		Long: `Set faults in a card image; they act the next time it runs (in-process
with --reader emu:PATH, or under 'cccd emulate').

  --tear-after N   the card loses power on its Nth APDU after power-on, which
                   goes unanswered (a partly written file stays behind);
                   one shot: it clears itself when it fires
  --sw INS=SW      answer every command with instruction INS (hex) with status
                   word SW, e.g. --sw B0=6A82; INS=SW@N only the Nth APDU
  --delay MS       slow card: every APDU takes MS milliseconds more
  --bad-mac        corrupt the MAC of every protected response
  --clear          remove all faults first`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			img, err := loadCardImage(c, fCard)
			if err != nil {
				return err
			}
			if clear {
				img.Faults = testcards.Faults{}
			}
			if c.Flags().Changed("tear-after") {
				img.Faults.TearAfter = tear
			}
			if c.Flags().Changed("delay") {
				img.Faults.DelayMS = delay
			}
			if c.Flags().Changed("bad-mac") {
				img.Faults.BadMAC = badMAC
			}
			for _, s := range sws {
				sf, err := parseSWFault(s)
				if err != nil {
					return usageError(c, "--sw %s: %v", s, err)
				}
				img.Faults.StatusWords = append(img.Faults.StatusWords, sf)
			}
			if err := img.Save(fCard); err != nil {
				return ioError(err)
			}
			b, _ := json.Marshal(img.Faults)
			fmt.Fprintf(c.OutOrStdout(), "faults of %s: %s\n", fCard, b)
			return nil
		},
	}
	fault.Flags().StringVar(&fCard, "card", "", "card image")
	fault.Flags().IntVar(&tear, "tear-after", 0, "cut the power at the Nth APDU after power-on")
	fault.Flags().StringArrayVar(&sws, "sw", nil, "INS=SW or INS=SW@N: answer with a chosen status word")
	fault.Flags().IntVar(&delay, "delay", 0, "milliseconds added to every APDU")
	fault.Flags().BoolVar(&badMAC, "bad-mac", false, "corrupt the MAC of protected responses")
	fault.Flags().BoolVar(&clear, "clear", false, "remove all faults first")

	// tamper
	var tCard string
	var dg int
	tamper := &cobra.Command{
		Use:   "tamper --card PATH --dg N",
		Short: "Change a data group behind EF.SOD's back (a forged card)",
		Long: `Flip a byte in data group N of a (locked) card image, as a forger would
after personalization: the file still parses, but its hash no longer matches
EF.SOD, so verification must fail on dgN.hash.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			img, err := loadCardImage(c, tCard)
			if err != nil {
				return err
			}
			b := img.FileData(uint16(0x0100 + dg))
			if dg < 1 || dg > 16 || len(b) < 4 {
				return inputError(fmt.Errorf("%s has no DG%d to tamper with", tCard, dg))
			}
			b = append([]byte(nil), b...)
			b[len(b)-1] ^= 0x01
			img.SetFile(uint16(0x0100+dg), false, b)
			if err := img.Save(tCard); err != nil {
				return ioError(err)
			}
			fmt.Fprintf(c.OutOrStdout(), "DG%d of %s tampered (last byte changed)\n", dg, tCard)
			return nil
		},
	}
	tamper.Flags().StringVar(&tCard, "card", "", "card image")
	tamper.Flags().IntVar(&dg, "dg", 1, "data group number")

	// clone
	var cCard string
	clone := &cobra.Command{
		Use:   "clone --card PATH",
		Short: "Make the card a clone: same data, different chip keys",
		Long: `Replace the card's Active Authentication and Chip Authentication private
keys with fresh ones, as a clone of a genuine card's data onto another chip
would have: passive authentication still passes, chip authentication
(clone.chip_authentication, with DG14) and active authentication
(clone.active_authentication, with DG15) must fail.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			img, err := loadCardImage(c, cCard)
			if err != nil {
				return err
			}
			// What a verifier will see fail, in the order it checks:
			// chip authentication (DG14) comes first, then active
			// authentication (DG15).
			var keys, checks []string
			if img.CA != nil {
				k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				img.SetCAKey(k)
				keys = append(keys, "chip authentication key no longer matches DG14")
				checks = append(checks, "clone.chip_authentication")
			}
			switch {
			case img.AARSA != nil:
				k, _ := rsa.GenerateKey(rand.Reader, 1024)
				img.SetAAKey(k)
			case img.AAEC != nil:
				k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				img.SetAAKey(k)
			}
			if img.AARSA != nil || img.AAEC != nil {
				keys = append(keys, "active authentication key no longer matches DG15")
				checks = append(checks, "clone.active_authentication")
			}
			if len(keys) == 0 {
				return inputError(fmt.Errorf("%s has no Active or Chip Authentication key to replace", cCard))
			}
			if err := img.Save(cCard); err != nil {
				return ioError(err)
			}
			fmt.Fprintf(c.OutOrStdout(), "%s is now a clone: its %s; verify fails %s\n", cCard, strings.Join(keys, ", its "), strings.Join(checks, " and "))
			return nil
		},
	}
	clone.Flags().StringVar(&cCard, "card", "", "card image")

	root.AddCommand(blank, sample, fault, tamper, clone)
	register(root)
}

func loadCardImage(c *cobra.Command, path string) (*testcards.Image, error) {
	if path == "" {
		return nil, usageError(c, "--card is required")
	}
	img, err := testcards.LoadImage(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, inputError(err)
		}
		return nil, inputError(err)
	}
	return img, nil
}

func parseSWFault(s string) (testcards.StatusFault, error) {
	ins, rest, ok := strings.Cut(s, "=")
	if !ok {
		return testcards.StatusFault{}, errors.New("want INS=SW, e.g. B0=6A82")
	}
	sw, at, _ := strings.Cut(rest, "@")
	if _, err := strconv.ParseUint(sw, 16, 16); err != nil || len(sw) != 4 {
		return testcards.StatusFault{}, errors.New("SW must be 4 hex digits")
	}
	if ins != "" && ins != "*" {
		if _, err := strconv.ParseUint(ins, 16, 8); err != nil {
			return testcards.StatusFault{}, errors.New("INS must be 2 hex digits (or * for any)")
		}
	} else {
		ins = ""
	}
	f := testcards.StatusFault{INS: strings.ToUpper(ins), SW: strings.ToUpper(sw)}
	if at != "" {
		n, err := strconv.Atoi(at)
		if err != nil || n < 1 {
			return testcards.StatusFault{}, errors.New("@N must be a positive APDU index")
		}
		f.APDU = n
	}
	return f, nil
}
