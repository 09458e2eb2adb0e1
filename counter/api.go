package counter

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/apdu/pcsc"
	"github.com/cccd-vn/cccd/verify"
)

// writeJSON writes v with the status; HTML is not escaped (names with
// diacritics and '<' fillers of the MRZ stay readable).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// writeError answers the NO CONCLUSION object, the shape of every error.
func writeError(w http.ResponseWriter, status int, info verify.ErrorInfo, exitCode int) {
	writeJSON(w, status, verify.ErrorReport(info, exitCode, time.Now()))
}

// decode reads a JSON body strictly: one object, no unknown field, and
// says what is wrong in words (400, never 500).
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("more than one JSON value in the body")
		}
	}
	if err == nil {
		return true
	}
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	msg := err.Error()
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, tooLarge(mbe.Limit), 2)
		return false
	case errors.Is(err, io.EOF):
		msg = "the body is empty: a JSON object is expected"
	case errors.Is(err, io.ErrUnexpectedEOF):
		msg = "the JSON body ends too early"
	case errors.As(err, &se):
		msg = fmt.Sprintf("the body is not JSON (at byte %d)", se.Offset)
	case errors.As(err, &te):
		msg = fmt.Sprintf("field %q must be a %s", te.Field, te.Type)
	case strings.HasPrefix(msg, "json: unknown field "):
		msg = "unknown field " + strings.TrimPrefix(msg, "json: unknown field ") + ": see /api/v1/openapi.json"
	}
	writeError(w, http.StatusBadRequest, verify.ErrorInfo{Code: "bad_request", Message: msg}, 2)
	return false
}

func (s *Server) noReaders(w http.ResponseWriter) bool {
	if s.readers == nil {
		writeError(w, http.StatusNotFound, verify.ErrorInfo{Code: "reader", Message: "this server uses no readers (upload-only): use /api/v1/verify-files"}, 2)
		return true
	}
	return false
}

// GET /api/v1/readers
func (s *Server) handleReaders(w http.ResponseWriter, r *http.Request) {
	if s.noReaders(w) {
		return
	}
	states, err := s.readers.scan()
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, readerError(err), 3)
		return
	}
	if states == nil {
		states = []ReaderState{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"readers": states})
}

func readerError(err error) verify.ErrorInfo {
	switch {
	case errors.Is(err, pcsc.ErrNoCard):
		return verify.ErrorInfo{Code: "no_card", Message: pcsc.ErrNoCard.Error()}
	case errors.Is(err, pcsc.ErrReaderBusy):
		return verify.ErrorInfo{Code: "reader", Message: pcsc.ErrReaderBusy.Error()}
	}
	return verify.ErrorInfo{Code: "reader", Message: err.Error()}
}

// GET /api/v1/events: server-sent events, "state" with every reader at
// the start, then "reader" on every insertion, removal, busy and idle.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if s.noReaders(w) {
		return
	}
	now, ch, cancel := s.readers.subscribe()
	defer cancel()
	sort.Slice(now, func(i, j int) bool { return now[i].Name < now[j].Name })
	if now == nil {
		now = []ReaderState{}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	send := func(event string, v any) error {
		b, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if send("state", map[string]any{"readers": now}) != nil {
		return
	}
	keep := time.NewTicker(15 * time.Second)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case st := <-ch:
			if send("reader", st) != nil {
				return
			}
		case <-keep.C:
			// A comment line keeps proxies from closing an idle stream.
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

// secretRequest holds the ways a request gives the chip's secret.
type secretRequest struct {
	// Secret is anything ParseSecretText reads (QR payload, CAN, ID
	// number, MRZ): what the page sends.
	Secret string `json:"secret,omitempty"`
	CAN    string `json:"can,omitempty"`
	MRZ    string `json:"mrz,omitempty"`
	QRText string `json:"qr_text,omitempty"`
}

// input parses the one secret given; ok false when none.
func (q secretRequest) input() (verify.Input, bool, error) {
	n := 0
	for _, v := range []string{q.Secret, q.CAN, q.MRZ, q.QRText} {
		if v != "" {
			n++
		}
	}
	if n == 0 {
		return verify.Input{}, false, nil
	}
	if n > 1 {
		return verify.Input{}, true, &verify.SecretError{Code: "empty", Msg: `give only one of "secret", "can", "mrz", "qr_text"`}
	}
	var in verify.Input
	var err error
	switch {
	case q.Secret != "":
		in, err = verify.ParseSecretText(q.Secret)
	case q.CAN != "":
		in, err = verify.ParseCAN(q.CAN)
	case q.MRZ != "":
		in, err = verify.ParseMRZText(q.MRZ)
	default:
		in, err = verify.ParseQRText(q.QRText)
	}
	return in, true, err
}

// POST /api/v1/secret {"secret": "…"}: is this a secret the chip can be
// opened with? The page asks before the card is on the reader, so that a
// typing mistake is said at once; the answer carries the kind only.
func (s *Server) handleSecret(w http.ResponseWriter, r *http.Request) {
	var q secretRequest
	if !decode(w, r, &q) {
		return
	}
	in, ok, err := q.input()
	if !ok {
		err = &verify.SecretError{Code: "empty", Msg: "nothing was entered: scan the card's QR code or type its CAN or MRZ"}
	}
	if err != nil {
		noteLog(r, func(l *logRecord) { l.code = "bad_secret" })
		writeError(w, http.StatusBadRequest, verify.DescribeError(err), 2)
		return
	}
	noteLog(r, func(l *logRecord) { l.kind = string(in.Kind) })
	writeJSON(w, http.StatusOK, map[string]any{"kind": in.Kind})
}

type verifyRequest struct {
	Reader string `json:"reader,omitempty"`
	secretRequest
	// Photo: put the face image in the report (base64).
	Photo bool `json:"photo,omitempty"`
}

// POST /api/v1/verify: the card in one of this machine's readers.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	if s.noReaders(w) {
		return
	}
	var q verifyRequest
	if !decode(w, r, &q) {
		return
	}
	in, ok, err := q.input()
	if !ok {
		err = &verify.SecretError{Code: "empty", Msg: `a secret is needed: "can", "mrz", "qr_text" or "secret"`}
	}
	if err != nil {
		noteLog(r, func(l *logRecord) { l.code = "bad_secret" })
		writeError(w, http.StatusBadRequest, verify.DescribeError(err), 2)
		return
	}
	noteLog(r, func(l *logRecord) { l.kind = string(in.Kind) })
	name, status, info := s.pickReader(q.Reader)
	if info != nil {
		noteLog(r, func(l *logRecord) { l.code = info.Code })
		writeError(w, status, *info, exitFor(status))
		return
	}
	unlock, err := s.readers.lock(r.Context(), name)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, verify.ErrorInfo{Code: "reader", Message: "the reader stayed busy with another verification until the request's deadline"}, 3)
		return
	}
	defer unlock()
	pc, err := pcsc.Open()
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, readerError(err), 3)
		return
	}
	defer pc.Close()
	card, err := pc.Connect(name)
	if err != nil {
		info := readerError(err)
		noteLog(r, func(l *logRecord) { l.code = info.Code })
		status := http.StatusServiceUnavailable
		if info.Code == "no_card" {
			status = http.StatusConflict
		}
		writeError(w, status, info, 3)
		return
	}
	defer card.Close()
	opt := s.cfg.Options
	if dl, ok := r.Context().Deadline(); ok && (opt.Timeout == 0 || time.Until(dl) < opt.Timeout) {
		// The card's budget ends with the request.
		opt.Timeout = time.Until(dl)
	}
	newCard := s.cfg.NewCard
	if newCard == nil {
		newCard = func(_ string, t apdu.Transport) *apdu.Card { return apdu.NewCard(t) }
	}
	rep, err := verify.Inspect(newCard(name, card), in, opt)
	if err != nil {
		info := verify.DescribeError(err)
		noteLog(r, func(l *logRecord) { l.code = info.Code })
		status := http.StatusServiceUnavailable
		if info.Code == "access_denied" {
			status = http.StatusUnprocessableEntity
		}
		writeError(w, status, info, 3)
		return
	}
	rep.Reader = name
	if q.Photo {
		rep.IncludePhoto()
	}
	noteLog(r, func(l *logRecord) { l.verdict, l.reason = rep.Verdict, string(rep.Reason) })
	writeJSON(w, http.StatusOK, rep)
}

func exitFor(status int) int {
	if status >= 500 {
		return 3
	}
	return 2
}

// pickReader resolves the request's reader among the allowed ones: the
// only one when none is named.
func (s *Server) pickReader(spec string) (string, int, *verify.ErrorInfo) {
	states, err := s.readers.scan()
	if err != nil {
		info := readerError(err)
		return "", http.StatusServiceUnavailable, &info
	}
	var names []string
	for _, st := range states {
		names = append(names, st.Name)
	}
	if spec == "" {
		if len(names) == 1 {
			return names[0], 0, nil
		}
		if len(names) == 0 {
			return "", http.StatusServiceUnavailable, &verify.ErrorInfo{Code: "reader", Message: "no reader: plug one in (see GET /api/v1/readers)"}
		}
		return "", http.StatusBadRequest, &verify.ErrorInfo{Code: "bad_request", Field: "reader", Message: fmt.Sprintf(`%d readers: name one in "reader" (see GET /api/v1/readers)`, len(names))}
	}
	for _, n := range names {
		if n == spec {
			return n, 0, nil
		}
	}
	var match []string
	for _, n := range names {
		if strings.Contains(n, spec) {
			match = append(match, n)
		}
	}
	if len(match) == 1 {
		return match[0], 0, nil
	}
	return "", http.StatusNotFound, &verify.ErrorInfo{Code: "reader", Field: "reader", Message: "no such reader here (see GET /api/v1/readers)"}
}

type filesRequest struct {
	// Files are the LDS files by name (EF.SOD, EF.COM, DG1 … DG16,
	// EF.CardAccess), base64.
	Files map[string]string `json:"files"`
	// AAChallenge and AASignature: an Active Authentication transcript
	// (the challenge the bank's server gave the phone, the chip's
	// signature over it), base64.
	AAChallenge string `json:"aa_challenge,omitempty"`
	AASignature string `json:"aa_signature,omitempty"`
	// An MRZ or QR to compare with the files (optional).
	secretRequest
	Photo bool `json:"photo,omitempty"`
}

// decodeBase64 is forgiving about the alphabet and padding phones send.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// POST /api/v1/verify-files: the eKYC upload. Stateless: each request
// carries everything, so that instances scale out behind any balancer.
func (s *Server) handleVerifyFiles(w http.ResponseWriter, r *http.Request) {
	var q filesRequest
	if !decode(w, r, &q) {
		return
	}
	bad := func(field, format string, args ...any) {
		noteLog(r, func(l *logRecord) { l.code = "bad_request" })
		writeError(w, http.StatusBadRequest, verify.ErrorInfo{Code: "bad_request", Field: field, Message: fmt.Sprintf(format, args...)}, 2)
	}
	if len(q.Files) == 0 {
		bad("files", `"files" is required: {"EF.SOD": "<base64>", "DG1": "<base64>", …}`)
		return
	}
	files := make(map[string][]byte, len(q.Files))
	for name, v := range q.Files {
		b, err := decodeBase64(v)
		if err != nil {
			bad("files."+name, "files.%s is not base64", name)
			return
		}
		files[strings.TrimSuffix(name, ".bin")] = b
	}
	var in verify.Input
	if sin, ok, err := q.input(); err != nil {
		noteLog(r, func(l *logRecord) { l.code = "bad_secret" })
		writeError(w, http.StatusBadRequest, verify.DescribeError(err), 2)
		return
	} else if ok {
		in = sin
		noteLog(r, func(l *logRecord) { l.kind = string(in.Kind) })
	}
	if (q.AAChallenge == "") != (q.AASignature == "") {
		bad("aa_challenge", `"aa_challenge" and "aa_signature" go together`)
		return
	}
	if q.AAChallenge != "" {
		var err error
		if in.AAChallenge, err = decodeBase64(q.AAChallenge); err != nil || len(in.AAChallenge) == 0 || len(in.AAChallenge) > 256 {
			bad("aa_challenge", "aa_challenge must be base64 of 1 to 256 bytes (ICAO 9303-11: 8)")
			return
		}
		if in.AASignature, err = decodeBase64(q.AASignature); err != nil || len(in.AASignature) == 0 {
			bad("aa_signature", "aa_signature is not base64")
			return
		}
	}
	rep, err := verify.InspectFiles(files, in, s.cfg.Options)
	if err != nil {
		info := verify.DescribeError(err)
		noteLog(r, func(l *logRecord) { l.code = info.Code })
		writeError(w, http.StatusBadRequest, info, 2)
		return
	}
	if q.Photo {
		rep.IncludePhoto()
	}
	noteLog(r, func(l *logRecord) { l.verdict, l.reason = rep.Verdict, string(rep.Reason) })
	writeJSON(w, http.StatusOK, rep)
}

// The demo panel: GET /api/v1/demo, POST /api/v1/demo/insert {"id"},
// POST /api/v1/demo/remove.
func (s *Server) handleDemo(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Demo == nil {
		writeError(w, http.StatusNotFound, verify.ErrorInfo{Code: "not_found", Message: "not a demo server (cccd serve --demo)"}, 2)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cards": s.cfg.Demo.Cards(), "inserted": s.cfg.Demo.Inserted(), "reader": s.cfg.Demo.Reader()})
}

func (s *Server) handleDemoInsert(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Demo == nil {
		s.handleDemo(w, r)
		return
	}
	var q struct {
		ID string `json:"id"`
	}
	if !decode(w, r, &q) {
		return
	}
	reader, err := s.cfg.Demo.Insert(q.ID)
	if err != nil {
		writeError(w, http.StatusBadRequest, verify.ErrorInfo{Code: "bad_request", Field: "id", Message: err.Error()}, 2)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"inserted": q.ID, "reader": reader})
}

func (s *Server) handleDemoRemove(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Demo == nil {
		s.handleDemo(w, r)
		return
	}
	if err := s.cfg.Demo.Remove(); err != nil {
		writeError(w, http.StatusServiceUnavailable, verify.ErrorInfo{Code: "reader", Message: err.Error()}, 3)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"inserted": ""})
}
