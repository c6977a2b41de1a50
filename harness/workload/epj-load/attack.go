package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// How a clinical function maps onto vegeta: each function has its own attacker (own pacer, workers, HTTP
// connections). Vegeta hits one Target per attempt; an attempt that is more than one request (the journal
// lookup's 4-request chain, the discharge's GET + PUT) is carried out by epjTransport, which finds the attempt's
// context through the URL fragment (`#h<n>`, never sent on the wire) and answers vegeta with one synthesized
// response. So vegeta's timeout bounds the whole attempt, and one attempt is one result line.

type op int

const (
	opLookup op = iota
	opCreate
	opDischarge
)

// hit is one attempt in flight.
type hit struct {
	fn           string
	op           op
	patient      *Patient
	writeID      string
	resourceType string
	encounterID  string
	// the arrival's slot, its number and whether it is sent (schedule.go)
	slot    time.Time
	n       uint64
	arrival arrivalKind
	// set by the transport
	errCause  string // classification of a transport error, when there was one
	writeSent atomic.Bool
}

// encounterPool holds encounters to discharge: in progress first (seeded admitted, then this run's admissions),
// and, if none is left, any known encounter again (read-modify-write works on a finished one too).
type encounterPool struct {
	mu         sync.Mutex
	inProgress []string
	known      []string
}

func (p *encounterPool) push(id string) {
	p.mu.Lock()
	p.inProgress = append(p.inProgress, id)
	p.mu.Unlock()
}

func (p *encounterPool) add(id string) {
	p.mu.Lock()
	p.inProgress = append(p.inProgress, id)
	p.known = append(p.known, id)
	p.mu.Unlock()
}

func (p *encounterPool) take(rng *rand.Rand) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.inProgress); n > 0 {
		i := rng.IntN(n)
		id := p.inProgress[i]
		p.inProgress[i] = p.inProgress[n-1]
		p.inProgress = p.inProgress[:n-1]
		return id
	}
	if len(p.known) == 0 {
		return ""
	}
	return p.known[rng.IntN(len(p.known))]
}

type runner struct {
	cfg       *Config
	creds     map[string]*credentials // by function (auth.go); nil entries: no auth
	schedules map[string]*schedule
	hits      sync.Map // "h<n>" → *hit
	seq       atomic.Uint64
	encounter encounterPool
	patientOf sync.Map // encounter id → *Patient
}

func newRunner(cfg *Config) *runner {
	r := &runner{cfg: cfg, schedules: map[string]*schedule{}}
	for fn, w := range cfg.workersFor() {
		r.schedules[fn] = newSchedule(cfg.Rates[fn], w)
	}
	for i := range cfg.Patients {
		p := &cfg.Patients[i]
		if p.EncounterID != "" {
			r.encounter.add(p.EncounterID)
			r.patientOf.Store(p.EncounterID, p)
		}
	}
	return r
}

// targeter builds the next attempt of fn. It never fails (a failing targeter would stop vegeta's attack).
func (r *runner) targeter(fn string, seed uint64) vegeta.Targeter {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(r.cfg.Seed, seed))
	base := trimBase(r.cfg.Targets[fn])
	sched := r.schedules[fn]
	return func(t *vegeta.Target) error {
		now := time.Now()
		n, slot, arrival := sched.arrival(now)
		if arrival == arrivalSend {
			sched.started(now)
		}
		mu.Lock()
		p := &r.cfg.Patients[rng.IntN(len(r.cfg.Patients))]
		pick := rng.IntN(1 << 20)
		var encID string
		if fn == "discharge" {
			encID = r.encounter.take(rng)
		}
		mu.Unlock()

		h := &hit{fn: fn, patient: p, slot: slot, n: n, arrival: arrival}
		key := "h" + strconv.FormatUint(r.seq.Add(1), 10)
		t.Header = http.Header{"Accept": {"application/fhir+json"}}
		var body obj
		switch fn {
		case "journal-lookup", "read-only-lookup":
			h.op = opLookup
			t.Method = http.MethodGet
			t.URL = base + "/Patient?identifier=" + url.QueryEscape(cprSystem+"|"+p.CPR)
		case "discharge":
			h.op, h.writeID, h.resourceType, h.encounterID = opDischarge, newWriteID(), "Encounter", encID
			t.Method = http.MethodPut
			t.URL = base + "/Encounter/" + encID
		default:
			h.op, h.writeID = opCreate, newWriteID()
			switch fn {
			case "clinical-note":
				body = clinicalNote(p, h.writeID, noteTexts[pick%len(noteTexts)])
			case "admission":
				body = admission(p, h.writeID)
				t.Header.Set("If-None-Exist", "identifier="+writeIDSystem+"|"+h.writeID)
			case "referral":
				body = referral(p, h.writeID, pick)
			case "e-prescription":
				body = prescription(p, h.writeID, pick)
			}
			h.resourceType = body["resourceType"].(string)
			t.Method = http.MethodPost
			t.URL = base + "/" + h.resourceType
			t.Body, _ = json.Marshal(body)
			t.Header.Set("Content-Type", "application/fhir+json")
		}
		t.URL += "#" + key
		r.hits.Store(key, h)
		return nil
	}
}

// epjTransport carries out one attempt; see the comment at the top of this file. base sends each request (with
// the target's bearer token and TLS, auth.go).
type epjTransport struct {
	r    *runner
	base http.RoundTripper
}

func (tr *epjTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	v, ok := tr.r.hits.Load(req.URL.Fragment)
	if !ok {
		return nil, fmt.Errorf("epj-load: no attempt for %q", req.URL.Fragment)
	}
	h := v.(*hit)
	if h.arrival != arrivalSend {
		return nil, errNotSent // past its slot: never sent late (schedule.go)
	}
	var resp *http.Response
	var err error
	switch h.op {
	case opLookup:
		resp, err = tr.lookup(req)
	case opDischarge:
		resp, err = tr.discharge(req, h)
	default:
		// Strip vegeta's bookkeeping headers: the EPJ sees what a clinician's client would send.
		req = req.Clone(req.Context())
		req.Header.Del("X-Vegeta-Attack")
		req.Header.Del("X-Vegeta-Seq")
		h.writeSent.Store(true)
		resp, err = tr.base.RoundTrip(req)
	}
	if err != nil {
		h.errCause = classifyErr(err)
		if errors.Is(req.Context().Err(), context.DeadlineExceeded) {
			h.errCause = "timeout" // the attempt's deadline cancelled it ("net/http: request canceled")
		}
	}
	return resp, err
}

var errNotSent = errors.New("not sent: the arrival could not be sent within 100 ms of its slot")

// get performs one GET of the chain and reads the body whole (a body that stalls counts as a failed attempt).
func (tr *epjTransport) get(ctx context.Context, u string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := tr.base.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return resp, body, err
}

func synth(req *http.Request, status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	header.Set("Content-Type", "application/json")
	return &http.Response{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}
}

type bundle struct {
	ResourceType string `json:"resourceType"`
	Entry        []struct {
		Search struct {
			Mode string `json:"mode"`
		} `json:"search"`
		Resource struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		} `json:"resource"`
	} `json:"entry"`
}

// firstMatch is the id of the first resource of type rtype the search matched: a searchset may also hold included
// resources and an OperationOutcome (R4 search.html: search.mode include/outcome), and a server may omit the mode.
func (b *bundle) firstMatch(rtype string) string {
	for _, e := range b.Entry {
		if (e.Search.Mode == "" || e.Search.Mode == "match") && e.Resource.ResourceType == rtype && e.Resource.ID != "" {
			return e.Resource.ID
		}
	}
	return ""
}

// fhirBase is the FHIR base URL a type-level request went to: the URL without its last path segment (the type) and
// query. A server's base may have a path (HAPI FHIR: /fhir), so the chain's later requests must keep it.
func fhirBase(u *url.URL) string {
	b := *u
	b.RawQuery, b.Fragment, b.RawFragment = "", "", ""
	b.Path = b.Path[:max(0, strings.LastIndexByte(b.Path, '/'))]
	b.RawPath = ""
	return b.String()
}

// lookup is the journal lookup: Patient by CPR, then the patient's encounters, notes and active prescriptions.
// It succeeds only if all four requests answer 2xx with a Bundle (and the CPR finds a patient). Each search reads
// its first page only, as a chart view does: a server that pages (R4 http.html#paging) is not asked for more.
func (tr *epjTransport) lookup(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	base := fhirBase(req.URL)
	u := *req.URL
	u.Fragment = ""
	resp, body, err := tr.get(ctx, u.String())
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return synth(req, resp.StatusCode, nil, `{"step":"Patient"}`), nil
	}
	var b bundle
	if json.Unmarshal(body, &b) != nil || b.ResourceType != "Bundle" {
		return synth(req, http.StatusBadGateway, nil, `{"step":"Patient","problem":"not a Bundle"}`), nil
	}
	patientID := b.firstMatch("Patient")
	if patientID == "" {
		return synth(req, http.StatusNotFound, nil, `{"step":"Patient","problem":"no patient with this CPR"}`), nil
	}
	pid := url.QueryEscape(patientID)
	for _, path := range []string{"/Encounter?patient=" + pid, "/DocumentReference?patient=" + pid, "/MedicationRequest?patient=" + pid + "&status=active"} {
		resp, body, err := tr.get(ctx, base+path)
		if err != nil {
			return nil, err
		}
		step := path[1:strings.IndexByte(path, '?')]
		if resp.StatusCode/100 != 2 {
			return synth(req, resp.StatusCode, nil, `{"step":"`+step+`"}`), nil
		}
		var sb bundle
		if json.Unmarshal(body, &sb) != nil || sb.ResourceType != "Bundle" {
			return synth(req, http.StatusBadGateway, nil, `{"step":"`+step+`","problem":"not a Bundle"}`), nil
		}
	}
	return synth(req, http.StatusOK, nil, `{"patient":"`+patientID+`"}`), nil
}

// discharge reads the encounter (for its current version and body), then PUTs it finished with If-Match.
func (tr *epjTransport) discharge(req *http.Request, h *hit) (*http.Response, error) {
	ctx := req.Context()
	u := *req.URL
	u.Fragment = ""
	resp, body, err := tr.get(ctx, u.String())
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return synth(req, resp.StatusCode, nil, `{"step":"read"}`), nil
	}
	var enc obj
	if json.Unmarshal(body, &enc) != nil {
		return synth(req, http.StatusBadGateway, nil, `{"step":"read","problem":"not JSON"}`), nil
	}
	payload, _ := json.Marshal(discharged(enc, h.writeID))
	put, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), strings.NewReader(string(payload)))
	if err != nil {
		return nil, err
	}
	put.Header.Set("Accept", "application/fhir+json")
	put.Header.Set("Content-Type", "application/fhir+json")
	if etag := resp.Header.Get("ETag"); etag != "" {
		put.Header.Set("If-Match", etag)
	}
	h.writeSent.Store(true)
	return tr.base.RoundTrip(put)
}

// classifyErr names a transport failure the way a clinician would notice it.
func classifyErr(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNABORTED):
		return "reset"
	}
	return classifyErrText(err.Error())
}

// classifyErrText is the fallback for errors that only reach us as text (vegeta's Result.Error).
func classifyErrText(s string) string {
	switch {
	case strings.Contains(s, "Client.Timeout"), strings.Contains(s, "deadline exceeded"), strings.Contains(s, "timeout"),
		strings.Contains(s, "request canceled"):
		return "timeout"
	case strings.Contains(s, "connection refused"):
		return "refused"
	case strings.Contains(s, "connection reset"), strings.Contains(s, "broken pipe"), strings.Contains(s, "EOF"),
		strings.Contains(s, "server closed"), strings.Contains(s, "transport connection broken"):
		return "reset"
	}
	return "other"
}

func (r *runner) attacker(fn string, workers uint64) *vegeta.Attacker {
	client := &http.Client{
		Transport:     &epjTransport{r: r, base: r.sender(fn, workers)},
		Timeout:       r.cfg.timeout(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Workers(min(workers, 10)),
		vegeta.MaxWorkers(workers),
		vegeta.MaxBody(1<<20),
	)
}

// sender sends fn's requests: its own connections, with its target's TLS and bearer token (auth.go).
func (r *runner) sender(fn string, workers uint64) http.RoundTripper {
	t := &http.Transport{
		Proxy:               nil, // loopback only: never through a proxy
		DialContext:         (&net.Dialer{Timeout: r.cfg.timeout(), KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: int(workers),
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		TLSClientConfig:     r.creds[fn].tlsConfig(),
	}
	return r.creds[fn].wrap(t)
}
