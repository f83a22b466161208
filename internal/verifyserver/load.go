package verifyserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
)

// LoadReport is the outcome of a load test against a running service.
type LoadReport struct {
	Requests      int     `json:"requests"`
	Concurrency   int     `json:"concurrency"`
	Errors        int     `json:"errors"`
	Seconds       float64 `json:"seconds"`
	RequestsPerS  float64 `json:"requests_per_sec"`
	P50Millis     float64 `json:"p50_ms"`
	P99Millis     float64 `json:"p99_ms"`
	MaxMillis     float64 `json:"max_ms"`
	FirstErrorMsg string  `json:"first_error,omitempty"`
}

// LoadTest POSTs each body to url (one request each) from concurrency
// client goroutines over kept-alive connections, and reports the rate and
// the latency percentiles. A non-200 answer counts as an error.
func LoadTest(ctx context.Context, url string, bodies [][]byte, concurrency int) (*LoadReport, error) {
	if concurrency < 1 {
		concurrency = 1
	}
	tr := &http.Transport{MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	lat := make([]time.Duration, len(bodies))
	var mu sync.Mutex
	rep := &LoadReport{Requests: len(bodies), Concurrency: concurrency}
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < concurrency; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				err := post(ctx, client, url, bodies[i])
				lat[i] = time.Since(t0)
				if err != nil {
					mu.Lock()
					if rep.Errors == 0 {
						rep.FirstErrorMsg = err.Error()
					}
					rep.Errors++
					mu.Unlock()
				}
			}
		}()
	}
	for i := range bodies {
		select {
		case next <- i:
		case <-ctx.Done():
			close(next)
			wg.Wait()
			return nil, ctx.Err()
		}
	}
	close(next)
	wg.Wait()
	el := time.Since(start)
	rep.Seconds = el.Seconds()
	if len(bodies) > 0 {
		rep.RequestsPerS = float64(len(bodies)) / el.Seconds()
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		q := func(p float64) float64 {
			i := int(p * float64(len(lat)-1))
			return float64(lat[i].Microseconds()) / 1000
		}
		rep.P50Millis, rep.P99Millis, rep.MaxMillis = q(0.5), q(0.99), q(1)
	}
	return rep, nil
}

func post(ctx context.Context, client *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}
