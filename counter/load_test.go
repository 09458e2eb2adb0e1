package counter_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/counter"
)

// uploads are the bodies of a load: each card genuine, and each with a
// tampered data group, with the verdict each must get.
func uploads(t testing.TB) (bodies [][]byte, want []string) {
	f := theFixture(t)
	for _, c := range f.cards {
		bodies = append(bodies, mustJSON(t, upload(c.files)))
		want = append(want, "GENUINE")
		forged := copyFiles(c.files)
		forged["DG1"] = flip(forged["DG1"])
		bodies = append(bodies, mustJSON(t, upload(forged)))
		want = append(want, "NOT VERIFIED")
	}
	return bodies, want
}

func post(client *http.Client, url string, body []byte) (string, error) {
	res, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var rep struct {
		Verdict string `json:"verdict"`
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode != 200 {
		return "", fmt.Errorf("status %d: %s", res.StatusCode, b)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return "", err
	}
	return rep.Verdict, nil
}

// TestLoadVerifyFiles sends a bounded number of eKYC uploads (loopback
// only) from several clients at once: every answer must be the right
// verdict; the server keeps no state between them.
func TestLoadVerifyFiles(t *testing.T) {
	const clients, perClient = 8, 150
	bodies, want := uploads(t)
	hs := newServer(t, counter.Config{NoReaders: true})
	client := hs.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = clients
	var wrong, failed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perClient; i++ {
				k := (w + i) % len(bodies)
				got, err := post(client, hs.URL+"/api/v1/verify-files", bodies[k])
				switch {
				case err != nil:
					failed.Add(1)
				case got != want[k]:
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if wrong.Load() != 0 || failed.Load() != 0 {
		t.Fatalf("%d uploads: %d wrong verdicts, %d failed requests", clients*perClient, wrong.Load(), failed.Load())
	}
}

// BenchmarkVerifyFiles measures eKYC uploads per second per core through
// HTTP on loopback (client and server share the machine, so this is a
// floor): go test ./counter -run '^$' -bench VerifyFiles
func BenchmarkVerifyFiles(b *testing.B) {
	bodies, want := uploads(b)
	hs := httptest.NewServer(mustServer(b).Handler())
	defer hs.Close()
	client := hs.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = runtime.GOMAXPROCS(0) * 4
	var n atomic.Int64
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := int(n.Add(1)) % len(bodies)
			got, err := post(client, hs.URL+"/api/v1/verify-files", bodies[k])
			if err != nil || got != want[k] {
				b.Errorf("upload %d: %q %v", k, got, err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds()/float64(runtime.GOMAXPROCS(0)), "uploads/s/core")
}

func mustServer(b *testing.B) *counter.Server {
	srv, err := counter.New(counter.Config{NoReaders: true, Options: newServerOpts(b), Log: discardLog()})
	if err != nil {
		b.Fatal(err)
	}
	return srv
}
