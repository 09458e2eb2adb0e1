package apdu

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// script is a Transport that expects an exact sequence of commands and
// answers each with a canned response; anything else fails the test.
type script struct {
	t     *testing.T
	steps [][2]string // command hex, response hex
	i     int
}

func (s *script) Transmit(cmd []byte) ([]byte, error) {
	s.t.Helper()
	if s.i >= len(s.steps) {
		s.t.Fatalf("unexpected command %X after the script ended", cmd)
		return nil, errors.New("unexpected")
	}
	want := h(s.steps[s.i][0])
	if !bytes.Equal(cmd, want) {
		s.t.Fatalf("command %d = %X, want %X", s.i, cmd, want)
	}
	resp := h(s.steps[s.i][1])
	s.i++
	return resp, nil
}

func (s *script) done() {
	s.t.Helper()
	if s.i != len(s.steps) {
		s.t.Fatalf("script stopped at step %d of %d", s.i, len(s.steps))
	}
}

func TestCardGetResponse(t *testing.T) {
	s := &script{t: t, steps: [][2]string{
		{"00B0000000", "0102 6104"},
		{"00C0000004", "03040506 6102"},
		{"00C0000002", "0708 9000"},
	}}
	c := NewCard(s)
	got, err := c.Send(Command{INS: 0xB0, Ne: 256})
	if err != nil {
		t.Fatal(err)
	}
	if want := h("0102030405060708"); !bytes.Equal(got, want) {
		t.Fatalf("data = %X, want %X", got, want)
	}
	s.done()
	if st := c.Stats(); st.APDUs != 3 || st.BytesSent != 15 || st.BytesReceived != 14 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestCardWrongLe(t *testing.T) {
	s := &script{t: t, steps: [][2]string{
		{"00B0000010", "6C05"},
		{"00B0000005", "0102030405 9000"},
	}}
	got, err := NewCard(s).Send(Command{INS: 0xB0, Ne: 16})
	if err != nil || !bytes.Equal(got, h("0102030405")) {
		t.Fatalf("got %X, %v", got, err)
	}
	s.done()
}

func TestCardWrongLeThenGetResponse(t *testing.T) {
	s := &script{t: t, steps: [][2]string{
		{"80CA9F7F00", "6C2D"},
		{"80CA9F7F2D", "6102"},
		{"00C0000002", "AABB 9000"},
	}}
	got, err := NewCard(s).Send(Command{CLA: 0x80, INS: 0xCA, P1: 0x9F, P2: 0x7F, Ne: 256})
	if err != nil || !bytes.Equal(got, h("AABB")) {
		t.Fatalf("got %X, %v", got, err)
	}
	s.done()
}

func TestCardCommandChaining(t *testing.T) {
	data := bytes.Repeat([]byte{0x11}, 600)
	seg := func(n int) string { return strings.Repeat("11", n) }
	s := &script{t: t, steps: [][2]string{
		{"10D60000FF" + seg(255), "9000"},
		{"10D60000FF" + seg(255), "9000"},
		{"00D600005A" + seg(90), "9000"},
	}}
	if _, err := NewCard(s).Send(Command{INS: 0xD6, Data: data}); err != nil {
		t.Fatal(err)
	}
	s.done()
}

// TestCardCommandChainingSecured: under secure messaging a command chains
// at MaxShortDataSM, so that each protected segment still fits a short
// APDU (a 240-byte command would otherwise be protected into an extended
// one that a short-length card refuses).
func TestCardCommandChainingSecured(t *testing.T) {
	seg := func(n int) string { return strings.Repeat("44", n) }
	sm := &script{t: t, steps: [][2]string{
		{"102A00BEDF" + seg(223), "9000"},
		{"002A00BE11" + seg(17), "9000"},
		{"002A00BEDF" + seg(223), "9000"},
	}}
	c := NewCard(&script{t: t})
	c.SetChannel(sm) // stands for the secure messaging channel: it gets the plain commands
	if _, err := c.Send(Command{INS: 0x2A, P2: 0xBE, Data: bytes.Repeat([]byte{0x44}, 240)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(Command{INS: 0x2A, P2: 0xBE, Data: bytes.Repeat([]byte{0x44}, 223)}); err != nil {
		t.Fatal(err)
	}
	sm.done()
}

func TestCardCommandChainingStopsOnError(t *testing.T) {
	s := &script{t: t, steps: [][2]string{
		{"10D60000FF" + strings.Repeat("22", 255), "6884"},
	}}
	_, err := NewCard(s).Send(Command{INS: 0xD6, Data: bytes.Repeat([]byte{0x22}, 300)})
	if !errors.Is(err, ErrChainingNotSupported) {
		t.Fatalf("err = %v", err)
	}
	s.done()
}

func TestCardExtendedNoChaining(t *testing.T) {
	data := bytes.Repeat([]byte{0x33}, 300)
	s := &script{t: t, steps: [][2]string{{"00D6000000012C" + strings.Repeat("33", 300), "9000"}}}
	if _, err := NewCard(s).Send(Command{INS: 0xD6, Data: data, Extended: true}); err != nil {
		t.Fatal(err)
	}
	s.done()
}

// endless answers 61FF forever.
type endless struct{}

func (endless) Transmit([]byte) ([]byte, error) {
	return append(make([]byte, 255), 0x61, 0xFF), nil
}

func TestCardEndless61xx(t *testing.T) {
	_, err := NewCard(endless{}).Send(Command{INS: 0xB0, Ne: 256})
	if !errors.Is(err, ErrResponseTooLong) {
		t.Fatalf("err = %v", err)
	}
}

type failing struct{}

func (failing) Transmit([]byte) ([]byte, error) { return nil, errors.New("reader unplugged") }

func TestCardTransportErrorNamesCommand(t *testing.T) {
	_, err := NewCard(failing{}).Send(Command{INS: 0xA4})
	if err == nil || !strings.Contains(err.Error(), "SELECT: reader unplugged") {
		t.Fatalf("err = %v", err)
	}
}

// upper is a fake secure channel: it passes commands to the wire and marks
// responses, to show SetChannel routes through it.
type upper struct{ inner Transport }

func (u upper) Transmit(cmd []byte) ([]byte, error) {
	out, err := u.inner.Transmit(cmd)
	if err != nil {
		return nil, err
	}
	return append([]byte{0xEE}, out...), nil
}

func TestCardSetChannel(t *testing.T) {
	s := &script{t: t, steps: [][2]string{
		{"00B0000000", "01 6101"},
		{"00C0000001", "02 9000"},
		{"00B0000000", "03 9000"},
	}}
	c := NewCard(s)
	c.SetChannel(upper{c.Raw()})
	if !c.Secured() {
		t.Fatal("Secured() false")
	}
	got, err := c.Send(Command{INS: 0xB0, Ne: 256})
	if err != nil || !bytes.Equal(got, h("EE0102")) {
		t.Fatalf("got %X, %v", got, err)
	}
	c.SetChannel(nil)
	got, err = c.Send(Command{INS: 0xB0, Ne: 256})
	if err != nil || !bytes.Equal(got, h("03")) {
		t.Fatalf("got %X, %v", got, err)
	}
	s.done()
}

func TestTraceRedactsData(t *testing.T) {
	s := &script{t: t, steps: [][2]string{{"00A4040C07A0000002471001", "9000"}, {"00B0000004", "DEADBEEF9000"}}}
	var buf strings.Builder
	c := NewCard(s)
	c.SetTrace(TraceWriter(&buf, false))
	c.Send(Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: h("A0000002471001")})
	c.Send(Command{INS: 0xB0, Ne: 4})
	out := buf.String()
	if strings.Contains(out, "A0000002471001") || strings.Contains(out, "DEADBEEF") {
		t.Fatalf("trace shows data:\n%s", out)
	}
	for _, want := range []string{"00 A4 04 0C [7 data bytes] SELECT", "< 9000", "[4 data bytes] 9000"} {
		if !strings.Contains(out, want) {
			t.Fatalf("trace lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	s2 := &script{t: t, steps: [][2]string{{"00B0000004", "DEADBEEF9000"}}}
	c = NewCard(s2)
	c.SetTrace(TraceWriter(&buf, true))
	c.Send(Command{INS: 0xB0, Ne: 4})
	if !strings.Contains(buf.String(), "DEADBEEF 9000") {
		t.Fatalf("trace with data:\n%s", buf.String())
	}
}

// empty61 answers 61xx without any data, forever: the loop must end by
// rounds, not bytes.
type empty61 struct{ n int }

func (e *empty61) Transmit([]byte) ([]byte, error) { e.n++; return []byte{0x61, 0x10}, nil }

func TestCardEmpty61xxEndsByRounds(t *testing.T) {
	e := &empty61{}
	_, err := NewCard(e).Transmit(Command{INS: 0xB0, Ne: 16})
	if !errors.Is(err, ErrResponseTooLong) {
		t.Fatalf("err %v, want ErrResponseTooLong", err)
	}
	if e.n > maxGetResponseRounds+1 {
		t.Fatalf("%d APDUs sent", e.n)
	}
}

// hang never answers until released.
type hang struct{ release chan struct{} }

func (h hang) Transmit([]byte) ([]byte, error) { <-h.release; return []byte{0x90, 0x00}, nil }

func TestCardDeadline(t *testing.T) {
	h := hang{release: make(chan struct{})}
	defer close(h.release)
	c := NewCard(h)
	c.SetLimits(Limits{Deadline: time.Now().Add(50 * time.Millisecond)})
	if _, err := c.Transmit(Command{INS: 0xB0, Ne: 1}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	// The hung command still holds the transport: no other is sent.
	if _, err := c.Transmit(Command{INS: 0xB0, Ne: 1}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("second command: %v", err)
	}
}

func TestCardAPDUBudget(t *testing.T) {
	s := &script{t: t}
	for i := 0; i < 3; i++ {
		s.steps = append(s.steps, [2]string{"00B0000001", "AA9000"})
	}
	c := NewCard(s)
	c.SetLimits(Limits{MaxAPDUs: 3})
	for i := 0; i < 3; i++ {
		if _, err := c.Send(Command{INS: 0xB0, Ne: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Send(Command{INS: 0xB0, Ne: 1}); !errors.Is(err, ErrBudget) {
		t.Fatalf("fourth APDU: %v, want ErrBudget", err)
	}
}
