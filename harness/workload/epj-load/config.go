package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Functions are the clinical functions, named as CLINICAL_FUNCTIONS in harness/stack/definition.ts.
var Functions = []string{"journal-lookup", "clinical-note", "admission", "discharge", "referral", "e-prescription", "read-only-lookup"}

// Patient is one seeded patient (the output of harness/workload/seed.ts).
type Patient struct {
	PatientID   string `json:"patientId"`
	CPR         string `json:"cpr"`
	EncounterID string `json:"encounterId,omitempty"`
}

// Config is what epj-load reads (a file, or stdin with -config -).
type Config struct {
	// Targets maps a clinical function to the base URL of the FHIR endpoint serving it (loopback only).
	Targets map[string]string `json:"targets"`
	// Auth maps a clinical function to how its target authenticates (auth.go); absent = no auth.
	Auth map[string]EndpointAuth `json:"auth,omitempty"`
	// Rates maps a clinical function to its arrival rate in attempts per second (open model); 0 or absent = off.
	Rates map[string]float64 `json:"rates"`
	// DurationMs is how long to attack; 0 = until SIGTERM/SIGINT (or stdin EOF with -stop-on-stdin-eof).
	DurationMs int64 `json:"durationMs"`
	// TimeoutMs bounds one attempt (a whole journal-lookup chain, a discharge's GET+PUT); default 2000.
	TimeoutMs int64 `json:"timeoutMs"`
	// MaxWorkers caps concurrent in-flight attempts over all functions; 0 = enough for every function to keep
	// its rate through a full stall (rate × timeout × 1.5 + 4 each).
	MaxWorkers int       `json:"maxWorkers"`
	Patients   []Patient `json:"patients"`
	// Seed drives the choice of patients and contents; write ids are always random (unique across runs).
	Seed uint64 `json:"seed"`
}

type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

var (
	cprRe = regexp.MustCompile(`^[0-9]{2}00[0-9]{6}$`)
	idRe  = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
)

func isFunction(fn string) bool {
	for _, f := range Functions {
		if f == fn {
			return true
		}
	}
	return false
}

// ParseConfig decodes and validates; every problem is listed in one configError.
func ParseConfig(r io.Reader) (*Config, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &configError{"config is empty (expected one JSON object)"}
		}
		return nil, &configError{"config is not valid JSON: " + err.Error()}
	}
	if c.TimeoutMs == 0 {
		c.TimeoutMs = 2000
	}
	var problems []string
	add := func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) }
	if c.DurationMs < 0 {
		add("durationMs must be ≥ 0 (0 = until stopped), got %d", c.DurationMs)
	}
	if c.TimeoutMs < 0 {
		add("timeoutMs must be > 0, got %d", c.TimeoutMs)
	}
	if c.MaxWorkers < 0 {
		add("maxWorkers must be ≥ 0 (0 = automatic), got %d", c.MaxWorkers)
	}
	for _, fn := range sortedKeys(c.Rates) {
		r := c.Rates[fn]
		if !isFunction(fn) {
			add("rates: unknown clinical function %q (known: %s)", fn, strings.Join(Functions, ", "))
		}
		if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
			add("rates.%s must be a finite number ≥ 0, got %v", fn, r)
		}
		if r > 0 && c.Targets[fn] == "" {
			add("rates.%s is %v but targets.%s is missing", fn, r, fn)
		}
	}
	for _, fn := range sortedKeys(c.Targets) {
		if !isFunction(fn) {
			add("targets: unknown clinical function %q (known: %s)", fn, strings.Join(Functions, ", "))
			continue
		}
		if err := checkLoopback(c.Targets[fn]); err != nil {
			add("targets.%s: %v", fn, err)
		}
	}
	problems = append(problems, authProblems(&c)...)
	active := 0
	for _, r := range c.Rates {
		if r > 0 {
			active++
		}
	}
	if active == 0 {
		add("no function has a rate > 0: nothing to do")
	}
	if active > 0 && len(c.Patients) == 0 {
		add("patients is empty: seed patients first (harness/workload/seed.ts)")
	}
	encounters := 0
	for i, p := range c.Patients {
		if !idRe.MatchString(p.PatientID) {
			add("patients[%d].patientId %q is not a FHIR id", i, p.PatientID)
		}
		if !cprRe.MatchString(p.CPR) {
			add("patients[%d].cpr %q is not a synthetic CPR number (10 digits, month 00): epj-load never uses a real person's number", i, p.CPR)
		}
		if p.EncounterID != "" {
			encounters++
			if !idRe.MatchString(p.EncounterID) {
				add("patients[%d].encounterId %q is not a FHIR id", i, p.EncounterID)
			}
		}
		if len(problems) > 20 {
			break
		}
	}
	if c.Rates["discharge"] > 0 && encounters == 0 {
		add("rates.discharge > 0 needs at least one seeded patient with an encounterId (an admitted patient)")
	}
	if len(problems) > 0 {
		return nil, &configError{"invalid epj-load config:\n  - " + strings.Join(problems, "\n  - ")}
	}
	return &c, nil
}

// checkLoopback enforces the project's network rule: load goes only to 127.0.0.1, localhost or ::1.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q must be an http:// or https:// URL", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback)) {
		return nil
	}
	return fmt.Errorf("%q: host %q is not loopback; epj-load sends traffic only to 127.0.0.1, localhost or ::1", raw, host)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// workersFor returns the per-function worker caps: enough to hold the arrival rate through a full stall
// (every attempt waiting its whole timeout), scaled down proportionally when MaxWorkers is smaller.
func (c *Config) workersFor() map[string]uint64 {
	need := map[string]float64{}
	total := 0.0
	for fn, r := range c.Rates {
		if r <= 0 {
			continue
		}
		n := math.Ceil(r*float64(c.TimeoutMs)/1000*1.5) + 4
		need[fn] = n
		total += n
	}
	out := map[string]uint64{}
	for fn, n := range need {
		if c.MaxWorkers > 0 && total > float64(c.MaxWorkers) {
			n = math.Max(1, math.Floor(n*float64(c.MaxWorkers)/total))
		}
		out[fn] = uint64(n)
	}
	return out
}

func (c *Config) timeout() time.Duration { return time.Duration(c.TimeoutMs) * time.Millisecond }

// trimBase drops a trailing slash so paths join cleanly.
func trimBase(s string) string { return strings.TrimRight(s, "/") }
