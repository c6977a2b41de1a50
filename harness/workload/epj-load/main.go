// epj-load drives the clinical functions of an EPJ over FHIR R4 at constant arrival rates (open model, via the
// vegeta library) and streams one NDJSON line per completed attempt on stdout, then a summary line.
//
//	epj-load -config run.json       (or -config - to read the config from stdin)
//
// Exit codes: 0 done (also after SIGTERM/SIGINT: stop attacking, flush, summary), 2 bad config, 1 anything else.
//
// The environment is read for one thing only: the bearer tokens the config's auth names (EPJ_LOAD_TOKEN_<n>,
// auth.go), which never go into the config itself.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type writeOut struct {
	WriteID      string `json:"writeId"`
	ResourceType string `json:"resourceType"`
	ResourceID   string `json:"resourceId,omitempty"`
	VersionID    string `json:"versionId,omitempty"`
	Outcome      string `json:"outcome"`
}

type lineOut struct {
	// T is the completion instant, Start the arrival's slot (the instant the clinician asked), both epoch ms
	T         int64     `json:"t"`
	Start     float64   `json:"start"`
	SendLagMs float64   `json:"sendLagMs"`
	Fn        string    `json:"fn"`
	OK        bool      `json:"ok"`
	Status    int       `json:"status"`
	LatencyMs float64   `json:"latencyMs"`
	Cause     *string   `json:"cause"`
	Write     *writeOut `json:"write,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	// the schedule's slot this line reports (not printed): pending until the line is written
	slot slotRef
}

type slotRef struct {
	n     uint64
	known bool
}

// skipOut is an arrival epj-load itself was too late to send (schedule.go): not an attempt, a mark against the
// load generator's own health.
type skipOut struct {
	Skip struct {
		Fn    string  `json:"fn"`
		Start float64 `json:"start"`
		LagMs float64 `json:"lagMs"`
	} `json:"skip"`
	slot slotRef
}

type fnSummary struct {
	Rate     float64 `json:"rate"`
	Workers  uint64  `json:"workers"`
	Expected int64   `json:"expected"`
	Attempts int64   `json:"attempts"`
	// Skipped arrivals epj-load was too late to send (not attempts)
	Skipped  int64          `json:"skipped"`
	OK       int64          `json:"ok"`
	Failures map[string]int `json:"failures"`
}

type summary struct {
	StartedAt   int64                 `json:"startedAt"`
	EndedAt     int64                 `json:"endedAt"`
	DurationMs  int64                 `json:"durationMs"`
	Interrupted bool                  `json:"interrupted"`
	Functions   map[string]*fnSummary `json:"functions"`
}

func main() {
	os.Exit(run())
}

func run() int {
	configPath := flag.String("config", "", "config file (JSON), or - for stdin")
	stopOnEOF := flag.Bool("stop-on-stdin-eof", false, "with -config -: stop (as on SIGTERM) when stdin closes, so a dead parent leaves nothing running")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: epj-load -config <file|-> [-stop-on-stdin-eof]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *configPath == "" || flag.NArg() > 0 {
		flag.Usage()
		return 2
	}
	var in io.Reader = os.Stdin
	if *configPath != "-" {
		f, err := os.Open(*configPath)
		if err != nil {
			fmt.Fprintf(os.Stderr, "epj-load: cannot read config: %v\n", err)
			return 2
		}
		defer f.Close()
		in = f
	}
	cfg, err := ParseConfig(in)
	if err != nil {
		fmt.Fprintf(os.Stderr, "epj-load: %v\n", err)
		return 2
	}
	creds, err := loadCredentials(cfg, os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "epj-load: %v\n", err)
		return 2
	}

	stop := make(chan struct{})
	var stopOnce sync.Once
	interrupted := false
	halt := func() { stopOnce.Do(func() { interrupted = true; close(stop) }) }
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sigs; halt() }()
	if *stopOnEOF && *configPath == "-" {
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); halt() }()
	}

	out := newOutput(os.Stdout)
	r := newRunner(cfg)
	r.creds = creds
	workers := cfg.workersFor()
	sum := &summary{StartedAt: time.Now().UnixMilli(), Functions: map[string]*fnSummary{}}
	var mu sync.Mutex // guards sum.Functions counters
	var wg sync.WaitGroup
	var attackers []*vegeta.Attacker
	began := time.Now()
	duration := time.Duration(cfg.DurationMs) * time.Millisecond
	for i, fn := range Functions {
		rate := cfg.Rates[fn]
		if rate <= 0 {
			continue
		}
		fs := &fnSummary{Rate: rate, Workers: workers[fn], Failures: map[string]int{}}
		sum.Functions[fn] = fs
		atk := r.attacker(fn, workers[fn])
		attackers = append(attackers, atk)
		results := atk.Attack(r.targeter(fn, uint64(i+1)), r.schedules[fn], duration, fn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for res := range results {
				line, skip := r.line(fn, res)
				if skip != nil {
					mu.Lock()
					fs.Skipped++
					mu.Unlock()
					if !out.json(skip) {
						halt()
					}
					r.reported(fn, skip.slot)
					continue
				}
				mu.Lock()
				fs.Attempts++
				if line.OK {
					fs.OK++
				} else {
					fs.Failures[*line.Cause]++
				}
				mu.Unlock()
				if !out.write(line) {
					halt() // stdout is gone (the parent died): stop
				}
				r.reported(fn, line.slot)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	watermarksDone := make(chan struct{})
	go func() { defer close(watermarksDone); r.emitWatermarks(out, done) }()
	select {
	case <-done:
	case <-stop:
		for _, a := range attackers {
			a.Stop()
		}
		<-done // in-flight attempts finish (each within its timeout)
	}
	<-watermarksDone // nothing follows the summary
	ended := time.Now()
	sum.EndedAt = ended.UnixMilli()
	sum.DurationMs = ended.Sub(began).Milliseconds()
	sum.Interrupted = interrupted
	elapsed := math.Min(ended.Sub(began).Seconds(), durationOr(duration, ended.Sub(began)).Seconds())
	for _, fs := range sum.Functions {
		fs.Expected = int64(math.Floor(fs.Rate * elapsed))
	}
	if !out.summary(sum) {
		return 1
	}
	return 0
}

func durationOr(d, alt time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return alt
}

// A Location names the written resource as [base]/[type]/[id]/_history/[vid], absolute or relative, on whatever base
// the server believes it has (R4 http.html#create); a versionId is a FHIR id, not necessarily a number.
var locationRe = regexp.MustCompile(`(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/([A-Za-z0-9\-.]{1,64}))?/?$`)

// An ETag carries the version, weak (W/"3", R4 http.html#versioning) or, from some servers, strong ("3").
var etagRe = regexp.MustCompile(`^(?:W/)?"([A-Za-z0-9\-.]{1,64})"$`)

// line turns one vegeta result into the NDJSON record of the attempt, or of a skipped arrival.
func (r *runner) line(fn string, res *vegeta.Result) (lineOut, *skipOut) {
	key := res.URL[strings.LastIndexByte(res.URL, '#')+1:]
	v, _ := r.hits.LoadAndDelete(key)
	h, _ := v.(*hit)
	ref := slotRef{}
	if h == nil {
		h = &hit{fn: fn, slot: res.Timestamp}
	} else {
		ref = slotRef{n: h.n, known: true}
		if h.arrival == arrivalSend {
			r.schedules[fn].finished(time.Now())
		}
	}
	if h.arrival != arrivalSend && h.encounterID != "" {
		r.encounter.push(h.encounterID) // never sent: still to discharge
	}
	if h.arrival == arrivalBehind {
		s := &skipOut{slot: ref}
		s.Skip.Fn, s.Skip.Start, s.Skip.LagMs = fn, msOf(h.slot), msBetween(h.slot, res.Timestamp)
		return lineOut{}, s
	}
	l := lineOut{
		T:         res.End().UnixMilli(),
		Start:     msOf(h.slot),
		SendLagMs: math.Max(0, msBetween(h.slot, res.Timestamp)),
		Fn:        fn,
		Status:    int(res.Code),
		LatencyMs: math.Round(float64(res.Latency.Microseconds())) / 1000,
		slot:      ref,
	}
	cause := ""
	switch {
	case h.arrival == arrivalSaturated:
		cause = "not-sent"
		l.Detail = "every worker busy: not sent within 100 ms of its slot"
		l.LatencyMs = 0
	case res.Code == 0:
		cause = h.errCause
		if cause == "" {
			cause = classifyErrText(res.Error)
		}
		l.Detail = clip(res.Error, 200)
	case res.Code >= 500:
		cause = "http-5xx"
	case res.Code >= 400:
		cause = "http-4xx"
	case res.Code >= 300:
		cause = "other"
	case res.Error != "":
		cause = classifyErrText(res.Error) // a 2xx whose body could not be read
		l.Detail = clip(res.Error, 200)
	}
	if res.Code >= 300 && len(res.Body) > 0 {
		l.Detail = clip(diagnostics(res.Body), 200)
	}
	if h.writeID != "" {
		w := &writeOut{WriteID: h.writeID, ResourceType: h.resourceType}
		if cause == "" {
			updated := ""
			if h.op == opDischarge {
				updated = h.encounterID // an update's resource is the one its URL names, even if the answer does not say
			}
			w.ResourceID, w.VersionID = resourceIdentity(res, h.resourceType, updated)
			if w.ResourceID == "" {
				cause = "other"
				l.Detail = "2xx without a resource id"
			}
		}
		switch {
		case cause == "":
			w.Outcome = "acknowledged"
		case !h.writeSent.Load(), cause == "refused", res.Code/100 == 4:
			w.Outcome = "failed" // never sent, refused, or a 4xx: the EPJ rejected it, nothing was written
		default:
			// timeout, reset, a 2xx without id, and 5xx: a commit can succeed while its answer is lost (the primary
			// dies after a synchronous standby applied it), so a server error is an unknown outcome, not a failure
			w.Outcome = "unknown"
		}
		l.Write = w
		if fn == "admission" && w.Outcome == "acknowledged" {
			r.encounter.add(w.ResourceID)
		}
		if fn == "discharge" && w.Outcome != "acknowledged" && h.encounterID != "" && h.arrival == arrivalSend {
			r.encounter.push(h.encounterID) // still in progress (or unknown): may be discharged again
		}
	}
	l.OK = cause == ""
	if !l.OK {
		l.Cause = &cause
	}
	return l, nil
}

// reported marks a line's slot as written (schedule.go), after the write, so a watermark never precedes it.
func (r *runner) reported(fn string, ref slotRef) {
	if ref.known {
		r.schedules[fn].reported(ref.n)
	}
}

// watermarkOut: per function, every arrival slotted before this instant (epoch ms) has had its line written.
type watermarkOut struct {
	Watermark map[string]float64 `json:"watermark"`
}

const watermarkInterval = 50 * time.Millisecond

// emitWatermarks writes each function's watermark every 50 ms while it moves, until done: the driver closes a
// bucket once every attempt started in it is reported, instead of waiting out the attempt timeout.
func (r *runner) emitWatermarks(out *output, done <-chan struct{}) {
	tick := time.NewTicker(watermarkInterval)
	defer tick.Stop()
	last := map[string]float64{}
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		w := watermarkOut{Watermark: map[string]float64{}}
		for fn, s := range r.schedules {
			t, ok := s.watermark()
			if ok && msOf(t) != last[fn] {
				w.Watermark[fn] = msOf(t)
				last[fn] = msOf(t)
			}
		}
		if len(w.Watermark) > 0 && !out.json(w) {
			return
		}
	}
}

// msOf is an instant in epoch milliseconds with microsecond precision (phase edges fall anywhere in a bucket).
func msOf(t time.Time) float64 { return float64(t.UnixMicro()) / 1000 }

func msBetween(from, to time.Time) float64 {
	return math.Round(float64(to.Sub(from).Microseconds())) / 1000
}

// resourceIdentity is the id and version a 2xx write answer names. R4 lets a server answer a create or update with
// the resource, with no body (Prefer: return=minimal, or its default) or with an OperationOutcome (Prefer:
// return=OperationOutcome), so the body counts only when it is the resource written; Location (SHALL on create) and
// ETag fill in the rest, and an update falls back on the id its URL named.
func resourceIdentity(res *vegeta.Result, resourceType, updatedID string) (id, version string) {
	var body struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Meta         struct {
			VersionID string `json:"versionId"`
		} `json:"meta"`
	}
	if json.Unmarshal(res.Body, &body) == nil && body.ResourceType == resourceType {
		id, version = body.ID, body.Meta.VersionID
	}
	location := res.Headers.Get("Location")
	if i := strings.IndexAny(location, "?#"); i >= 0 {
		location = location[:i]
	}
	if m := locationRe.FindStringSubmatch(strings.TrimSpace(location)); m != nil && m[1] == resourceType && (id == "" || id == m[2]) {
		id = m[2]
		if version == "" {
			version = m[3]
		}
	}
	if id == "" {
		id = updatedID
	}
	if m := etagRe.FindStringSubmatch(strings.TrimSpace(res.Headers.Get("ETag"))); version == "" && id != "" && m != nil {
		version = m[1]
	}
	return id, version
}

// diagnostics is the text of an OperationOutcome (R4 operationoutcome.html: diagnostics, else details.text, else
// the issue code), or the body as it came.
func diagnostics(body []byte) string {
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Code        string `json:"code"`
			Diagnostics string `json:"diagnostics"`
			Details     struct {
				Text string `json:"text"`
			} `json:"details"`
		} `json:"issue"`
	}
	if json.Unmarshal(body, &oo) == nil && len(oo.Issue) > 0 {
		parts := make([]string, 0, len(oo.Issue))
		for _, i := range oo.Issue {
			switch {
			case i.Diagnostics != "":
				parts = append(parts, i.Diagnostics)
			case i.Details.Text != "":
				parts = append(parts, i.Details.Text)
			default:
				parts = append(parts, i.Code)
			}
		}
		return strings.Join(parts, "; ")
	}
	return string(body)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// output serialises lines onto stdout, flushing each line as it completes (streamed, not batched).
type output struct {
	mu     sync.Mutex
	w      *bufio.Writer
	failed bool
}

func newOutput(w io.Writer) *output { return &output{w: bufio.NewWriterSize(w, 64<<10)} }

func (o *output) write(l lineOut) bool { return o.json(l) }

func (o *output) json(v any) bool {
	b, _ := json.Marshal(v)
	return o.line(b) == nil
}

func (o *output) summary(s *summary) bool {
	b, _ := json.Marshal(map[string]any{"summary": s})
	err := o.line(b)
	if err != nil && !errors.Is(err, os.ErrClosed) && !errors.Is(err, errOutputFailed) {
		fmt.Fprintf(os.Stderr, "epj-load: writing the summary: %v\n", err)
	}
	return err == nil
}

var errOutputFailed = errors.New("output failed earlier")

// line writes one NDJSON line and flushes it at once (the driver reads results as they happen). After the first
// failed write (the reader went away) nothing more is written.
func (o *output) line(b []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failed {
		return errOutputFailed
	}
	o.w.Write(b)
	o.w.WriteByte('\n')
	if err := o.w.Flush(); err != nil {
		o.failed = true
		return err
	}
	return nil
}
