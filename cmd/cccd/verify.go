package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/verify"
)

// verifyOut is how a report is printed.
type verifyOut struct {
	asJSON, photoJSON bool
	photoOut          string
	lang              string // "vi" or "en"
	color             bool
}

func init() {
	var reader, trustDir, filesDir, lang string
	var watch, noPACE, requireCRL bool
	var timeout time.Duration
	var sf secretFlags
	var vo verifyOut
	var tf terminalFlags
	cmd := &cobra.Command{
		Use:   "verify (--reader R SECRET | --files DIR) --trust DIR",
		Short: "Verify a card: open, read, authenticate, cross-check, verdict",
		Long: `Run the ICAO 9303 inspection procedure on the card in a reader and print
the verdict first, then the holder's data and each check on its own line:

  GENUINE       every applicable check passed (exit 0)
  NOT VERIFIED  a check failed; each failed check is named (exit 1)

Reader, card or secret trouble concludes nothing (exit 3): a wrong MRZ/CAN
is "access denied", a card pulled off the reader, one that stops answering
(--timeout, default 30s) or answers beyond any genuine card's needs
(bounded APDUs, GET RESPONSE rounds, file sizes) is "put the card back and
try again" — never a forgery.

The verdict names its reason: forged (a hash, the signature, the chain or
the signed access control do not hold), cloned (the chip does not hold the
keys of DG14/DG15), inconsistent (MRZ, DG1, DG13 and the QR disagree),
expired (an authentic document out of date).

` + secretHelp + `

Checks: passive authentication (EF.SOD signature, Document Signer issued by a
CSCA of the trust store, validity, revocation, every data group EF.SOD lists
read and hashed — a withheld one fails, DG3/DG4 behind EAC are reported —,
the CSCA's country = the issuing state, EF.COM and EF.CardAccess against the
signed DG14), clone detection (chip authentication with the key of DG14 and
active authentication with the key of DG15, on a fresh random challenge,
whenever EF.SOD lists them), consistency (MRZ entered vs DG1, DG1 vs DG13,
QR vs DG13, the ID number's structure, expiry).

--files DIR verifies a dump offline, in the layout 'cccd read --out' writes
(EF.SOD.bin, DG1.bin, …; other files are ignored): passive authentication
and consistency with the same checks and report; the clone checks need the
chip and are reported as not possible. A secret is optional there: a QR or
MRZ given is compared with the files.

--terminal DIR is an EAC inspection system (its CVCA, DV and IS certificates
and key, 'cccd pki eac init'; --terminal-pkcs11 for a key in an HSM):
terminal authentication runs after chip authentication, and DG3
(fingerprints) and DG4 are read and hashed like every data group;
--fingerprints-out DIR saves the finger images. A chip that does not accept
the terminal (another CVCA, an expired certificate, a CHAT without DG3)
concludes nothing about the card: exit 3, saying which. Without --terminal
DG3 is reported present and protected.

--trust DIR holds CSCA certificates (PEM/DER), master lists (.ml) and CRLs;
manage it with 'cccd trust'. --photo-out FILE saves the face (JPEG as is;
JPEG 2000 converted to FILE with a .png extension when opj_decompress is
installed, else saved with a .jp2 extension); --photo-json puts it in the
--json object as base64. --json prints one object on every outcome: the
report, or {"verdict":"NO CONCLUSION","error":{...},"exit_code":N} (README).

--watch is counter mode on a PC/SC reader: for each customer it reads the
secret as one line from standard input (a 2D scanner typing the card's QR,
or the clerk typing the CAN or MRZ; a prompt when it is a terminal), waits
for the card, verifies, prints, waits for its removal, and starts over; end
of input or Ctrl-C ends the day with a tally. With a secret flag, every
card is opened with that one secret.

The verdict and labels are Vietnamese or English (--lang, default from
LANG); on a terminal the verdict is coloured (NO_COLOR turns it off).

--trace logs the card conversation on stderr, each APDU with its time;
inside secure messaging the plain command and response beside the
protected sizes. Data is redacted (safe for a ticket) unless --trace-data.

Examples:
  cccd verify --reader 0 --can 123456 --trust trust/
  cccd verify --reader emu:card.json --mrz "$(cat mrz.txt)" --trust trust/ --json
  cccd verify --reader "PICC" --qr-image qr.jpg --trust trust/ --photo-out face.jpg
  cccd verify --reader 0 --trust trust/ --watch          # one customer per line of input
  cccd verify --files dump/ --trust trust/ --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var err error
			if vo.lang, err = pickLang(lang); err != nil {
				return vo.fail(c, usageError(c, "%v", err))
			}
			vo.color = colorOK(c.OutOrStdout())
			return vo.fail(c, func() error {
				if trustDir == "" {
					return usageError(c, "--trust DIR is required: the CSCA certificates, master lists and CRLs to trust")
				}
				if timeout < 0 {
					return usageError(c, "--timeout must be positive (e.g. 30s)")
				}
				if filesDir != "" && (reader != "" || watch) {
					return usageError(c, "--files verifies a dump offline: no --reader or --watch with it")
				}
				perCard := watch && sf.given() == 0
				var in verify.Input
				if filesDir == "" && !perCard {
					if in, err = sf.input(c); err != nil {
						return err
					}
				} else if filesDir != "" && sf.given() > 0 {
					if in, err = sf.input(c); err != nil {
						return err
					}
				}
				ts, err := loadTrust(c, trustDir)
				if err != nil {
					return err
				}
				term, closeTerm, err := tf.load(c)
				if err != nil {
					return err
				}
				defer closeTerm()
				if term != nil && filesDir != "" {
					return usageError(c, "--terminal reads a card's DG3: not with --files (a dump's DG3.bin is checked as it is)")
				}
				if tf.fpOut != "" && watch {
					return usageError(c, "--fingerprints-out saves one card's fingerprints: not with --watch")
				}
				opt := verify.Options{Trust: ts, NoPACE: noPACE, RequireCRL: requireCRL, Timeout: timeout, Terminal: term}
				if filesDir != "" {
					return verifyFiles(c, filesDir, in, opt, vo)
				}
				if watch {
					return watchVerify(c, reader, in, perCard, opt, vo)
				}
				card, err := openReader(c, reader)
				if err != nil {
					return err
				}
				defer card.Close()
				rep, err := verify.Inspect(card.Card, in, opt)
				if err != nil {
					return openError(err)
				}
				rep.Reader = card.Reader
				if err := printVerify(c, rep, vo); err != nil {
					return err
				}
				return tf.saveFingerprints(c, rep.Raw)
			}())
		},
	}
	cmd.Flags().StringVarP(&reader, "reader", "r", "", readerHelp)
	cmd.Flags().StringVar(&trustDir, "trust", "", "trust store directory")
	cmd.Flags().StringVar(&filesDir, "files", "", "verify the files of a dump (as 'cccd read --out' writes it) offline")
	cmd.Flags().BoolVar(&vo.asJSON, "json", false, "print one JSON object per card, on every outcome (see README)")
	cmd.Flags().StringVar(&vo.photoOut, "photo-out", "", "save the holder's face image to FILE")
	cmd.Flags().BoolVar(&vo.photoJSON, "photo-json", false, "with --json: the face image in the object, base64")
	cmd.Flags().StringVar(&lang, "lang", "", "language of the verdict and labels: vi or en (default from LANG)")
	cmd.Flags().BoolVar(&watch, "watch", false, "counter mode: one customer after another, each secret a line of standard input")
	cmd.Flags().BoolVar(&noPACE, "no-pace", false, "open with BAC even if the chip offers PACE")
	cmd.Flags().BoolVar(&requireCRL, "require-crl", false, "fail when no current CRL of the CSCA is in the trust store (default: a warning, revocation unknown)")
	cmd.Flags().DurationVar(&timeout, "timeout", verify.DefaultTimeout, "time budget per card: a card still not read by then concludes nothing (exit 3)")
	sf.register(cmd)
	registerTrace(cmd)
	tf.register(cmd)
	register(cmd)
}

// loadTrust loads the trust store and refuses an unusable one before any
// card is touched: every genuine card would fail, a set-up error.
func loadTrust(c *cobra.Command, dir string) (*verify.TrustStore, error) {
	ts, err := verify.LoadTrustStore(dir)
	if err != nil {
		return nil, inputError(err)
	}
	for _, p := range ts.Problems {
		fmt.Fprintf(c.ErrOrStderr(), "cccd: trust store: skipped %s\n", p)
	}
	if err := ts.Usable(); err != nil {
		return nil, inputError(err)
	}
	return ts, nil
}

// fail prints, with --json, the NO CONCLUSION object for an error of exit
// code 2 or 3, so that integrators get an object on every exit code (a
// report was printed already for exit 1). The error goes on to main.
func (vo verifyOut) fail(c *cobra.Command, err error) error {
	if err == nil || !vo.asJSON || exitCode(err) == ExitFailed {
		return err
	}
	info := verify.DescribeError(err)
	var de *describedError
	if errors.As(err, &de) {
		info = de.info
	}
	var se *verify.SecretError
	if !errors.As(err, &se) && exitCode(err) == ExitUsage {
		info = verify.ErrorInfo{Code: "usage", Message: err.Error()}
		if errors.Is(err, verify.ErrBadFiles) {
			info.Code = "bad_files"
		}
	}
	if exitCode(err) == ExitIOFailed && de == nil && !errors.Is(err, verify.ErrNoConclusion) {
		info = verify.ErrorInfo{Code: "reader", Message: err.Error()}
	}
	if errors.Is(err, pcsc.ErrNoCard) {
		info.Code = "no_card"
	}
	writeJSON(c.OutOrStdout(), verify.ErrorReport(info, exitCode(err), time.Now()))
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// pickLang is --lang, else the language of LANG (LC_ALL, LC_MESSAGES
// first, as gettext does); English when it is not Vietnamese.
func pickLang(flag string) (string, error) {
	switch flag {
	case "vi", "en":
		return flag, nil
	case "":
	default:
		return "", fmt.Errorf("--lang %q: vi or en", flag)
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			if strings.HasPrefix(v, "vi") {
				return "vi", nil
			}
			return "en", nil
		}
	}
	return "en", nil
}

// colorOK: colour only on a terminal, and never with NO_COLOR set
// (no-color.org).
func colorOK(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// verifyFiles is --files DIR: offline passive authentication of a dump.
func verifyFiles(c *cobra.Command, dir string, in verify.Input, opt verify.Options, vo verifyOut) error {
	files, err := readDump(dir)
	if err != nil {
		return err
	}
	rep, err := verify.InspectFiles(files, in, opt)
	if err != nil {
		return inputError(err)
	}
	rep.Reader = dir
	return printVerify(c, rep, vo)
}

// readDump reads the LDS files of a 'cccd read --out' directory by their
// names (NAME.bin); other files (card.json) are not the card's.
func readDump(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	if _, err := os.Stat(dir); err != nil {
		return nil, inputError(fmt.Errorf("--files: %w", err))
	}
	for _, name := range verify.FileNames() {
		b, err := os.ReadFile(filepath.Join(dir, name+".bin"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, ioError(fmt.Errorf("--files: %w", err))
		}
		files[name] = b
	}
	if len(files) == 0 {
		return nil, inputError(fmt.Errorf("--files %s: no LDS file (EF.SOD.bin, DG1.bin, …) in it; make one with 'cccd read --out DIR'", dir))
	}
	return files, nil
}

func printVerify(c *cobra.Command, rep *verify.Report, vo verifyOut) error {
	out := c.OutOrStdout()
	if vo.photoOut != "" && len(rep.Photo) > 0 {
		path, err := savePhoto(rep, vo.photoOut)
		if err != nil {
			return ioError(err)
		}
		fmt.Fprintf(c.ErrOrStderr(), "cccd: face image saved to %s\n", path)
	}
	if vo.asJSON {
		if vo.photoJSON {
			rep.IncludePhoto()
		}
		if err := writeJSON(out, rep); err != nil {
			return ioError(err)
		}
	} else {
		writeReport(out, rep, vo.lang, vo.color)
	}
	if !rep.IsGenuine() {
		return withCode(ExitFailed, errors.New(rep.Summary()))
	}
	return nil
}

// Words of the terminal report. Check names and details stay English:
// they are stable identifiers that scripts and tickets quote.
var words = map[string]map[string]string{
	"vi": {
		"genuine": "THẺ HỢP LỆ: mọi kiểm tra đều đạt", "not": "KHÔNG HỢP LỆ",
		"forged": "giả mạo", "cloned": "sao chép", "inconsistent": "không khớp", "expired": "hết hạn",
		"failed": "không đạt", "unverified": "CẢNH BÁO: dữ liệu dưới đây KHÔNG được xác thực — không dùng để định danh",
		"card": "Thẻ trong %s, mở bằng %s (%s)", "files": "Tệp trong %s, kiểm tra ngoại tuyến",
		"id": "Số định danh", "old": "Số CMND cũ", "name": "Họ và tên", "dob": "Ngày sinh", "sex": "Giới tính",
		"nat": "Quốc tịch", "eth": "Dân tộc", "rel": "Tôn giáo", "origin": "Quê quán", "res": "Nơi thường trú",
		"feat": "Đặc điểm nhận dạng", "issue": "Ngày cấp", "exp": "Có giá trị đến", "noexp": "Không thời hạn",
		"father": "Họ tên cha", "mother": "Họ tên mẹ", "spouse": "Họ tên vợ/chồng", "checks": "Các kiểm tra",
	},
	"en": {
		"genuine": "GENUINE: every check passed", "not": "NOT VERIFIED",
		"forged": "forged", "cloned": "cloned", "inconsistent": "inconsistent", "expired": "expired",
		"failed": "failed", "unverified": "WARNING: the data below is NOT authenticated — do not rely on it",
		"card": "Card in %s, opened with %s (%s)", "files": "Files in %s, checked offline",
		"id": "ID number", "old": "Old ID number", "name": "Full name", "dob": "Date of birth", "sex": "Sex",
		"nat": "Nationality", "eth": "Ethnicity", "rel": "Religion", "origin": "Place of origin", "res": "Residence",
		"feat": "Features", "issue": "Date of issue", "exp": "Valid until", "noexp": "no expiry",
		"father": "Father", "mother": "Mother", "spouse": "Spouse", "checks": "Checks",
	},
}

// verdictLine is the first line a clerk reads. The English one is
// rep.Summary(), which scripts grep.
func verdictLine(rep *verify.Report, lang string) string {
	w := words[lang]
	if lang == "en" {
		return rep.Summary()
	}
	if rep.IsGenuine() {
		return w["genuine"]
	}
	return fmt.Sprintf("%s (%s): %s %s", w["not"], w[string(rep.Reason)], w["failed"], strings.Join(rep.Failed, ", "))
}

func writeReport(w io.Writer, rep *verify.Report, lang string, color bool) {
	t := words[lang]
	if t == nil {
		lang, t = "en", words["en"]
	}
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	if rep.IsGenuine() {
		fmt.Fprintln(w, paint("1;32", verdictLine(rep, lang)))
	} else {
		fmt.Fprintln(w, paint("1;31", verdictLine(rep, lang)))
	}
	fmt.Fprintln(w)
	if rep.Access.Method == "offline" {
		fmt.Fprintf(w, t["files"]+"\n", rep.Reader)
	} else {
		fmt.Fprintf(w, t["card"]+"\n", rep.Reader, rep.Access.Method, rep.Access.Password)
	}
	if rep.Access.Terminal != "" {
		fmt.Fprintf(w, "  EAC: terminal authentication as %s\n", rep.Access.Terminal)
	}
	if rep.Access.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", rep.Access.Note)
	}
	for _, f := range rep.Files {
		if f.Note != "" {
			fmt.Fprintf(w, "  note: %s: %s\n", f.Name, f.Note)
		}
	}
	if h := rep.Holder; h != nil {
		fmt.Fprintln(w)
		if !rep.IsGenuine() {
			fmt.Fprintln(w, "  "+paint("1;33", t["unverified"]))
		}
		exp := displayDate(h.DateOfExpiry)
		if h.NoExpiry {
			exp = t["noexp"]
		}
		for _, l := range []struct{ k, v string }{
			{"id", h.IDNumber}, {"old", h.OldIDNumber}, {"name", h.FullName},
			{"dob", displayDate(h.DateOfBirth)}, {"sex", h.Sex}, {"nat", h.Nationality},
			{"eth", h.Ethnicity}, {"rel", h.Religion}, {"origin", h.PlaceOfOrigin},
			{"res", h.PlaceOfResidence}, {"feat", h.Features}, {"issue", displayDate(h.DateOfIssue)},
			{"exp", exp}, {"father", h.FatherName}, {"mother", h.MotherName}, {"spouse", h.SpouseName},
		} {
			if l.v != "" {
				fmt.Fprintf(w, "  %-20s %s\n", t[l.k], l.v)
			}
		}
	}
	fmt.Fprintf(w, "\n%s\n", t["checks"])
	for _, ch := range rep.Checks {
		fmt.Fprintf(w, "  %-4s  %-28s %s\n", strings.ToUpper(string(ch.Status)), ch.Name, ch.Detail)
	}
	st := rep.Stats
	if rep.Access.Method == "offline" {
		fmt.Fprintf(w, "\n  checks %.0f ms\n", st.ChecksMS)
	} else {
		fmt.Fprintf(w, "\n  %d APDUs, %d bytes; access %.0f ms, reading %.0f ms, checks %.0f ms\n", st.APDUs, st.BytesSent+st.BytesReceived, st.AccessMS, st.ReadMS, st.ChecksMS)
	}
}

// displayDate shows an ISO date as Vietnamese documents print it,
// dd/mm/yyyy (both languages: it is what the card body shows).
func displayDate(iso string) string {
	if t, err := time.Parse("2006-01-02", iso); err == nil {
		return t.Format("02/01/2006")
	}
	return iso
}

// savePhoto writes the face image: JPEG as is; JPEG 2000 (what many
// chips store, ISO/IEC 19794-5) converted to PNG with opj_decompress when
// it is installed, since few viewers open it, else saved as .jp2. It
// returns the path written, whose extension may differ from the one asked.
func savePhoto(rep *verify.Report, path string) (string, error) {
	if rep.PhotoType == "jpeg" || rep.PhotoType == "" {
		return path, os.WriteFile(path, rep.Photo, 0o600)
	}
	base := strings.TrimSuffix(path, filepath.Ext(path))
	if tool, err := exec.LookPath("opj_decompress"); err == nil {
		tmp, err := os.CreateTemp("", "cccd-face-*."+rep.PhotoType)
		if err != nil {
			return "", err
		}
		defer os.Remove(tmp.Name())
		_, werr := tmp.Write(rep.Photo)
		if cerr := tmp.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return "", werr
		}
		png := base + ".png"
		if out, err := exec.Command(tool, "-i", tmp.Name(), "-o", png).CombinedOutput(); err != nil {
			return "", fmt.Errorf("converting the JPEG 2000 face with opj_decompress: %v: %s", err, out)
		}
		return png, nil
	}
	jp2 := base + "." + rep.PhotoType
	return jp2, os.WriteFile(jp2, rep.Photo, 0o600)
}

// tally counts a counter day's outcomes.
type tally struct{ genuine, notVerified, noConclusion int }

func (t tally) String() string {
	return fmt.Sprintf("stopped after %d cards: %d genuine, %d not verified, %d without conclusion",
		t.genuine+t.notVerified+t.noConclusion, t.genuine, t.notVerified, t.noConclusion)
}

// secretLines delivers the lines of standard input one by one, so that
// the counter loop can wait for a line and for an interrupt at once.
func secretLines(r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if strings.TrimSpace(line) != "" {
				ch <- line
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

// watchVerify is counter mode on a PC/SC reader: one customer after
// another, each one's secret a line of standard input (perCard) or the
// one secret given. It runs until the input ends or an interrupt (Ctrl-C,
// SIGTERM), then says how many cards it saw and exits 0, since that is how
// a clerk ends the day.
func watchVerify(c *cobra.Command, spec string, fixed verify.Input, perCard bool, opt verify.Options, vo verifyOut) error {
	if strings.HasPrefix(spec, "emu:") {
		return usageError(c, "--watch needs a PC/SC reader (card insertion events); emu: images are always present")
	}
	ctx, err := pcsc.Open()
	if err != nil {
		return ioError(err)
	}
	defer ctx.Close()
	name, err := resolveReader(c, ctx, spec, false)
	if err != nil {
		return err
	}
	stop, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	go func() {
		<-stop.Done()
		ctx.Cancel() // unblocks a wait for a card or its removal
	}()
	var day tally
	errw := c.ErrOrStderr()
	end := func() error {
		fmt.Fprintf(errw, "cccd: %v\n", day)
		return nil
	}
	wait := func(f func(string, time.Duration) error) (bool, error) {
		err := f(name, 0)
		if stop.Err() != nil {
			return true, end()
		}
		if err != nil {
			return true, ioError(err)
		}
		return false, nil
	}
	var lines <-chan string
	prompt := "cccd: next customer: scan the card's QR code, or type its CAN or MRZ (end of input to stop)"
	if vo.lang == "vi" {
		prompt = "cccd: khách tiếp theo: quét mã QR trên thẻ, hoặc nhập CAN / MRZ (kết thúc đầu vào để dừng)"
	}
	if perCard {
		lines = secretLines(c.InOrStdin())
	}
	for {
		in := fixed
		if perCard {
			fmt.Fprintln(errw, prompt)
			var line string
			var ok bool
			select {
			case line, ok = <-lines:
			case <-stop.Done():
			}
			if !ok {
				return end()
			}
			if in, err = verify.ParseSecretText(line); err != nil {
				// Said before the chip is touched; the clerk types again.
				fmt.Fprintf(errw, "cccd: %v\n", err)
				continue
			}
		}
		fmt.Fprintf(errw, "cccd: waiting for a card in %s (Ctrl-C to stop)\n", name)
		if done, err := wait(ctx.WaitForCard); done {
			return err
		}
		card, err := openReader(c, name)
		if err == nil {
			var rep *verify.Report
			rep, err = verify.Inspect(card.Card, in, opt)
			card.Close()
			if err == nil {
				rep.Reader = name
				perr := printVerify(c, rep, vo)
				switch {
				case perr == nil:
					day.genuine++
				case exitCode(perr) == ExitFailed:
					day.notVerified++
				default:
					return perr
				}
			}
		}
		if err != nil {
			day.noConclusion++
			err = openError(err)
			fmt.Fprintf(errw, "cccd: %v\n", err)
			if vo.asJSON {
				vo.fail(c, err)
			}
		}
		fmt.Fprintf(errw, "cccd: remove the card\n")
		if done, err := wait(ctx.WaitForRemoval); done {
			return err
		}
	}
}
